// A MessageSink that files the messages Endpoint::poll_event(MessageSink&) hands over as
// MessageEvents among the other events, so that a run with a sink records what a run without one
// would (the engine tests run both delivery paths).
#pragma once

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

#include "assoc/events.h"

namespace sctpkit::assoc::testing {

class EventRecorder final : public MessageSink {
 public:
  explicit EventRecorder(std::vector<Event>& events) : events_(events) {}

 private:
  void on_message(AssociationId id, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                  std::vector<uint8_t>&& data) override {
    events_.push_back(MessageEvent{id, stream, ppid, unordered, std::move(data)});
  }
  std::vector<Event>& events_;
};

}  // namespace sctpkit::assoc::testing
