// The public Association's calls that hand buffers back and forth with the engine: received
// messages' buffers for reuse, and messages the engine could not send.
#include "net/stack.h"
#include "sctpkit/association.h"

namespace sctpkit {

using detail::Stack;

void Association::recycle(Message&& message) {
  // The kernel keeps its own buffers; a message of a handle without a stack has nowhere to go.
  if (!stack_ || message.data.capacity() == 0) return;
  stack_->recycle(id_, std::move(message.data));
}

std::vector<SendFailure> Association::take_send_failures() {
  std::vector<SendFailure> out;
  Stack::AssociationState* state = stack_ ? stack_->find(id_) : nullptr;
  if (!state) return out;
  auto& failures = state->send_failures;
  out.reserve(failures.size());
  while (!failures.empty()) {
    out.push_back(std::move(failures.front()));
    failures.pop_front();
  }
  return out;
}

}  // namespace sctpkit
