// The public handles (include/sctpkit/association.h) over detail::Stack.
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "net/kernel_socket.h"
#include "net/stack.h"
#include "sctpkit/association.h"

namespace sctpkit {

using detail::Stack;

namespace {

Expected<std::vector<wire::IpAddress>> resolve(const std::string& host) {
  if (auto literal = wire::IpAddress::parse(host)) return std::vector{*literal};
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result); rc != 0)
    return Error{Error::Code::InvalidArgument, fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc))};
  std::vector<wire::IpAddress> addresses;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (auto a = net::from_sockaddr(ss); a && std::find(addresses.begin(), addresses.end(), *a) == addresses.end())
      addresses.push_back(*a);
  }
  ::freeaddrinfo(result);
  if (addresses.empty()) return Error{Error::Code::InvalidArgument, fmt::format("{} has no address", host)};
  return addresses;
}

Error closed_error(const Stack& stack, uint32_t id, const Stack::AssociationState& s) {
  return {Error::Code::Closed, "association closed: " + stack.close_reason(id, s)};
}

// The state behind a handle, or null: a moved-from handle has no stack, and a stack keeps no state
// for an association it forgot (Stack::find never makes one).
Stack::AssociationState* state_of(const std::shared_ptr<Stack>& stack, uint32_t id) {
  return stack ? stack->find(id) : nullptr;
}

Error gone_error() { return {Error::Code::Closed, "association closed: this handle no longer refers to one"}; }

// What no transport can work with, checked before any socket is made. The kernel backend casts
// these into its socket options (a negative heartbeat_interval became a 49-day one); our stack's
// engine has more rules of its own (assoc::validate).
std::optional<Error> options_problem(const Options& o) {
  auto invalid = [](const char* what) { return Error{Error::Code::InvalidArgument, what}; };
  if (o.timeout && *o.timeout < std::chrono::milliseconds::zero())
    return invalid("timeout is negative (nullopt: wait forever)");
  if (o.busy_poll < std::chrono::microseconds::zero()) return invalid("busy_poll is negative (0: off)");
  // RFC 9260 6.3.1 / 16: the timers and the retransmission limit are positive quantities.
  if (o.rto_initial <= std::chrono::milliseconds::zero() || o.rto_min <= std::chrono::milliseconds::zero())
    return invalid("rto_initial and rto_min must be above 0");
  if (o.max_init_retransmits < 0)
    return invalid("a retransmission limit is negative (max_init_retransmits counts retransmissions: 0 sends the "
                   "INIT once)");
  if (o.heartbeat_interval && *o.heartbeat_interval < std::chrono::milliseconds::zero())
    return invalid("heartbeat_interval is negative");
  return std::nullopt;
}

Error timeout_or_block(const Options& o, const char* what) {
  if (o.non_blocking) return {Error::Code::WouldBlock, fmt::format("{} would block", what)};
  return {Error::Code::Timeout, fmt::format("{} timed out", what)};
}

}  // namespace

bool kernel_sctp_loaded() { return ::access("/sys/module/sctp", F_OK) == 0; }

// ---- Association

Association::Association(std::shared_ptr<Stack> stack, uint32_t id) : stack_(std::move(stack)), id_(id) {}
Association::Association(std::shared_ptr<detail::KernelAssociation> kernel) : kernel_(std::move(kernel)) {}
Association::Association(Association&&) noexcept = default;
Association& Association::operator=(Association&& other) noexcept {
  if (this != &other) {
    if ((stack_ || kernel_) && is_open()) abort("handle replaced");
    // The replaced association is this handle's to forget, as the destructor does: the stack is
    // shared with the Listener and its other associations, and would keep the entry for ever.
    if (stack_) stack_->forget(id_);
    stack_ = std::move(other.stack_);
    id_ = other.id_;
    kernel_ = std::move(other.kernel_);
  }
  return *this;
}
Association::~Association() {
  if (!stack_) return;  // a kernel association aborts itself when its last handle goes
  if (is_open()) abort("handle destroyed");
  stack_->forget(id_);
}

Expected<Association> Association::connect(const std::string& host, uint16_t port, const Options& options) {
  // RFC 9260 3.1: "The Destination Port Number 0 MUST NOT be used" (it waited for the whole timeout).
  if (port == 0) return Error{Error::Code::InvalidArgument, "port 0: an SCTP peer listens on ports 1-65535"};
  if (auto problem = options_problem(options)) return *problem;
  auto addresses = resolve(host);
  if (!addresses) return addresses.error();
  if (options.transport == TransportKind::Kernel) {
    auto kernel = detail::KernelAssociation::connect(*addresses, port, options);
    if (!kernel) return kernel.error();
    return Association(std::shared_ptr<detail::KernelAssociation>(std::move(*kernel)));
  }
  auto stack = Stack::open(options, std::nullopt, addresses->front().is_v4());
  if (!stack) return stack.error();
  auto& s = **stack;
  assoc::ConnectRequest request;
  request.remote_addresses = *addresses;
  request.remote_port = port;
  request.outbound_streams = options.outbound_streams;
  auto id = s.endpoint().connect(request, Stack::now());
  if (!std::holds_alternative<assoc::AssociationId>(id))
    return Error{Error::Code::ConnectFailed, "the engine refused to connect (no usable address)"};
  const uint32_t value = std::get<assoc::AssociationId>(id).value;
  auto& state = s.add(value);
  state.accepted = true;
  Association association(std::move(*stack), value);
  if (options.non_blocking) {
    association.stack_->flush();
    return association;  // established once is_open() and status() say so
  }
  if (!association.stack_->wait([&] { return state.connected || state.closed; }, std::nullopt)) {
    association.abort("connect timed out");
    return Error{Error::Code::Timeout, fmt::format("no answer from {} port {}", host, port)};
  }
  if (state.closed) return Error{Error::Code::ConnectFailed, "connect failed: " + association.stack_->close_reason(association.id_, state)};
  return association;
}

Status Association::send(std::string_view text, const SendOptions& options) {
  return send(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), options);
}

Status Association::send(std::span<const uint8_t> data, const SendOptions& options) {
  if (kernel_) return kernel_->send(data, options);
  Stack::AssociationState* found = state_of(stack_, id_);
  if (!found) return gone_error();
  auto& state = *found;
  for (;;) {
    if (state.closed) return closed_error(*stack_, id_, state);
    state.send_space = false;
    // A sender that keeps the queue ahead of the window (a bulk or rate sender) finds it full at
    // almost every send(): the message only joins the queue, and what made room (a SACK) will
    // send it from the loop. Otherwise one clock read per message: the flush happens at that instant.
    const bool queue_only = stack_->window_full(state);
    const auto now = queue_only ? stack_->last_now() : Stack::now();
    auto result = stack_->endpoint().send(assoc::AssociationId{id_}, data, wire::StreamId(options.stream),
                                          wire::Ppid(options.ppid), options.unordered, now);
    switch (result) {
      case assoc::SendResult::Ok:
        // Marked before the flush: once its chunks have left, the I bit cannot ride with them.
        if (options.sack_immediately) stack_->endpoint().mark_last_sack_immediately(assoc::AssociationId{id_});
        if (!queue_only) stack_->flush_after_send(state, now);
        return {};
      case assoc::SendResult::MessageTooLarge:
        return Error{Error::Code::InvalidArgument, "message larger than max_message_size"};
      case assoc::SendResult::InvalidStream:
        return Error{Error::Code::InvalidArgument, fmt::format("stream {} not negotiated", options.stream)};
      case assoc::SendResult::EmptyMessage:
        return Error{Error::Code::InvalidArgument, "RFC 9260 6: a message carries at least one byte"};
      case assoc::SendResult::NotConnected:
        return state.closed ? closed_error(*stack_, id_, state) : Error{Error::Code::NotConnected, "not connected"};
      case assoc::SendResult::WouldBlock: break;
    }
    if (!stack_->wait([&] { return state.send_space || state.closed; }, std::nullopt))
      return timeout_or_block(stack_->options(), "send");
  }
}

Expected<Message> Association::receive() {
  if (kernel_) return kernel_->receive(std::nullopt);
  if (!stack_) return gone_error();
  return receive(stack_->options().timeout.value_or(std::chrono::milliseconds::max()));
}

Expected<Message> Association::receive(std::chrono::milliseconds timeout) {
  if (kernel_) return kernel_->receive(timeout);
  Stack::AssociationState* found = state_of(stack_, id_);
  if (!found) return gone_error();
  auto& state = *found;
  if (state.inbox.empty()) {
    // A message already in the inbox is returned without running the stack (a reader draining a
    // burst); what arrived meanwhile is handed out by the next call that waits.
    if (!stack_->wait([&] { return !state.inbox.empty() || state.closed || state.peer_shutdown; }, timeout))
      return timeout_or_block(stack_->options(), "receive");
    if (state.inbox.empty()) {
      // No reply will come to what is owed (a SHUTDOWN ACK, RFC 9260 9.2): it leaves now, before the
      // caller drops the handle (which would abort an association still shutting down).
      stack_->flush();
      if (state.closed) return closed_error(*stack_, id_, state);
      return Error{Error::Code::Closed, "the peer shut down"};
    }
  }
  Message m = state.inbox.pop_front();
  stack_->consumed(id_, m.data.size());
  return m;
}

Expected<size_t> Association::receive_many(std::vector<Message>& messages, size_t max,
                                            std::chrono::milliseconds timeout) {
  Stack::AssociationState* found = kernel_ ? nullptr : state_of(stack_, id_);
  if (found && !found->inbox.empty()) return stack_->take_messages(id_, *found, messages, std::max<size_t>(max, 1));
  // Nothing waits (or the kernel's socket holds it): the buffers go back before the wait.
  for (Message& m : messages) recycle(std::move(m));
  messages.clear();
  auto m = receive(timeout);
  if (!m) return m.error();
  messages.push_back(std::move(*m));
  return size_t{1};
}

Status Association::shutdown() {
  if (kernel_) return kernel_->shutdown();
  Stack::AssociationState* found = state_of(stack_, id_);
  if (!found) return gone_error();
  auto& state = *found;
  if (state.closed) return {};
  stack_->endpoint().shutdown(assoc::AssociationId{id_}, Stack::now());
  if (!stack_->wait([&] { return state.closed; }, std::nullopt)) return timeout_or_block(stack_->options(), "shutdown");
  stack_->flush();  // RFC 9260 9.2: the SHUTDOWN COMPLETE that answers the peer's SHUTDOWN ACK leaves now
  return {};
}

Status Association::start_shutdown() {
  if (kernel_) return kernel_->shutdown();
  Stack::AssociationState* found = state_of(stack_, id_);
  if (!found) return gone_error();
  if (found->closed) return {};
  stack_->endpoint().shutdown(assoc::AssociationId{id_}, Stack::now());
  stack_->flush();
  return {};
}

void Association::abort(const std::string& reason) {
  if (kernel_) return kernel_->abort(reason);
  Stack::AssociationState* found = state_of(stack_, id_);
  if (!found || found->closed) return;
  auto& state = *found;
  stack_->endpoint().abort(assoc::AssociationId{id_}, reason, Stack::now());
  stack_->flush();  // the ABORT leaves now, even if this handle is about to go
  Stack::closed_locally(state);
}

bool Association::is_open() const {
  if (kernel_) return kernel_->is_open();
  const Stack::AssociationState* state = state_of(stack_, id_);
  return state && state->connected && !state->closed;
}

bool Association::readable() const {
  if (kernel_) {
    // The kernel keeps the messages: its socket polls readable when one (or a notification) waits.
    pollfd ready{kernel_->fd(), POLLIN, 0};
    return ::poll(&ready, 1, 0) > 0;
  }
  // A handle without an association: receive() returns at once (with an error).
  const Stack::AssociationState* state = state_of(stack_, id_);
  return !state || !state->inbox.empty() || state->closed || state->peer_shutdown;
}

std::string Association::close_reason() const {
  if (kernel_) return kernel_->close_reason();
  const Stack::AssociationState* state = state_of(stack_, id_);
  return state ? stack_->close_reason(id_, *state) : gone_error().message;
}

uint32_t Association::peer_restarts() const {
  // The kernel reports restarts as notifications (RFC 6458 6.1.1 SCTP_RESTART), counted as they are read.
  if (kernel_) return kernel_->peer_restarts();
  const Stack::AssociationState* state = state_of(stack_, id_);
  return state ? state->peer_restarts : 0;
}

Expected<AssociationInfo> Association::status() const {
  if (kernel_) return kernel_->status();
  const Stack::AssociationState* state = state_of(stack_, id_);
  if (!state) return gone_error();
  auto status = stack_->endpoint().status(assoc::AssociationId{id_});
  if (!status) return closed_error(*stack_, id_, *state);
  AssociationInfo info;
  info.state = std::string(assoc::to_string(status->state));
  info.local_port = status->local_port;
  info.peer_port = status->peer_port;
  info.outbound_streams = status->outbound_streams;
  info.inbound_streams = status->inbound_streams;
  info.peer_rwnd = status->peer_rwnd;
  info.queued_bytes = status->queued_bytes;
  info.bytes_in_flight = status->bytes_in_flight;
  info.messages_sent = status->counters.messages_sent;
  info.messages_received = status->counters.messages_received;
  info.bytes_sent = status->counters.bytes_sent;
  info.bytes_received = status->counters.bytes_received;
  info.retransmitted_chunks = status->counters.retransmitted_chunks;
  for (const auto& p : status->paths) {
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    info.paths.push_back({p.address.to_string(), p.active, p.primary, duration_cast<microseconds>(p.srtt),
                          duration_cast<microseconds>(p.rto), p.cwnd, p.confirmed});
    if (p.primary) info.peer_address = p.address.to_string();
  }
  return info;
}

// A moved-from handle has neither: no descriptor, nothing to run.
int Association::fd() const {
  if (kernel_) return kernel_->fd();
  return stack_ ? stack_->fd() : -1;
}
void Association::process() {
  if (stack_) stack_->process();  // with kernel_ the kernel runs the protocol itself
}

// ---- Listener

Listener::Listener(std::shared_ptr<Stack> stack) : stack_(std::move(stack)) {}
Listener::Listener(std::shared_ptr<detail::KernelListener> kernel) : kernel_(std::move(kernel)) {}
Listener::Listener(Listener&&) noexcept = default;
Listener& Listener::operator=(Listener&&) noexcept = default;
Listener::~Listener() = default;

Expected<Listener> Listener::listen(uint16_t port, const Options& options) {
  if (port == 0) return Error{Error::Code::InvalidArgument, "a listener needs a port"};
  if (auto problem = options_problem(options)) return *problem;
  if (options.transport == TransportKind::Kernel) {
    auto kernel = detail::KernelListener::listen(port, options);
    if (!kernel) return kernel.error();
    return Listener(std::shared_ptr<detail::KernelListener>(std::move(*kernel)));
  }
  auto stack = Stack::open(options, port, false);
  if (!stack) return stack.error();
  return Listener(std::move(*stack));
}

namespace {
// What a moved-from Listener's accept() says: it has neither a stack nor a kernel socket.
Error moved_from_listener() { return Error{Error::Code::Closed, "this Listener was moved from: it listens on nothing"}; }
}  // namespace

Expected<Association> Listener::accept() {
  if (!kernel_ && !stack_) return moved_from_listener();
  if (kernel_) {
    auto kernel = kernel_->accept(std::nullopt);  // the options' timeout
    if (!kernel) return kernel.error();
    return Association(std::shared_ptr<detail::KernelAssociation>(std::move(*kernel)));
  }
  return accept(stack_->options().timeout.value_or(std::chrono::milliseconds::max()));
}

Expected<Association> Listener::accept(std::chrono::milliseconds timeout) {
  if (!kernel_ && !stack_) return moved_from_listener();
  if (kernel_) {
    auto kernel = kernel_->accept(timeout);  // max: forever
    if (!kernel) return kernel.error();
    return Association(std::shared_ptr<detail::KernelAssociation>(std::move(*kernel)));
  }
  std::optional<uint32_t> id;
  if (!stack_->wait([&] { return (id = stack_->pop_accept()).has_value(); }, timeout))
    return timeout_or_block(stack_->options(), "accept");
  stack_->add(*id).accepted = true;  // known since the engine's ConnectedEvent
  return Association(stack_, *id);
}

std::optional<Association> Listener::try_accept() {
  if (!kernel_ && !stack_) return std::nullopt;
  if (kernel_) {
    auto kernel = kernel_->accept(std::chrono::milliseconds(0));
    if (!kernel) return std::nullopt;
    return Association(std::shared_ptr<detail::KernelAssociation>(std::move(*kernel)));
  }
  const auto id = stack_->pop_accept();
  if (!id) return std::nullopt;
  stack_->add(*id).accepted = true;  // known since the engine's ConnectedEvent
  return Association(stack_, *id);
}

// A moved-from Listener has neither a stack nor a kernel socket: no port, no descriptor, nothing to run.
uint16_t Listener::udp_port() const { return stack_ ? stack_->udp_port() : 0; }
int Listener::fd() const { return kernel_ ? kernel_->fd() : stack_ ? stack_->fd() : -1; }
void Listener::process() {
  if (stack_) stack_->process();
}
void Listener::process(std::chrono::milliseconds timeout) {
  if (stack_) {
    stack_->process(timeout);
    return;
  }
  if (!kernel_) return;
  pollfd ready{kernel_->fd(), POLLIN, 0};
  ::poll(&ready, 1, static_cast<int>(std::min<int64_t>(timeout.count(), 1 << 30)));
}

}  // namespace sctpkit
