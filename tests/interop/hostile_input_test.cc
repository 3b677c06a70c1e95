// Hostile input against a running `sctpkit cat -l --echo` over UDP encapsulation on loopback: a
// sender fires malformed and forged packets while a legitimate association keeps echoing. The
// server must not crash, the legitimate association must keep working, memory must stay bounded,
// and the answers RFC 9260 asks for must come (and nothing where it asks for silence).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "interop/child.h"
#include "interop/hostile_packets.h"
#include "interop/usrsctp_fixture.h"
#include "sctpkit/sctpkit.h"
#include "free_port.h"

namespace sctpkit::interop {
namespace {

using namespace std::chrono_literals;

#ifdef __SANITIZE_ADDRESS__
// AddressSanitizer keeps freed memory in quarantine, so churn shows up as RSS there.
constexpr long kRssGrowthLimitKb = 64 * 1024;
#else
constexpr long kRssGrowthLimitKb = 8 * 1024;
#endif

using test::free_udp_port;

// A UDP socket on 127.0.0.1 that sends to the server's encapsulation port and reads its answers.
class Attacker {
 public:
  explicit Attacker(uint16_t server_udp_port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    server_.sin_family = AF_INET;
    server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_.sin_port = htons(server_udp_port);
  }
  ~Attacker() { ::close(fd_); }
  Attacker(const Attacker&) = delete;
  Attacker& operator=(const Attacker&) = delete;

  void send(const Packet& p) {
    (void)!::sendto(fd_, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&server_), sizeof server_);
  }

  // The next answer, or nullopt after `timeout`.
  std::optional<Packet> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    Packet buffer(65536);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<size_t>(n));
    return buffer;
  }

 private:
  int fd_ = -1;
  sockaddr_in server_{};
};

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    server_.emplace(std::vector<std::string>{std::string(SCTPKIT_BINARY_DIR) + "/sctpkit", "cat", "-l",
                                             "--udp=" + std::to_string(udp_port_), "--echo", "--trace",
                                             std::to_string(sctp_port_)},
                    "", "server");
    ASSERT_TRUE(server_->started());
    ASSERT_TRUE(wait_for_socket(server_->pid(), "udp", udp_port_, 10s) ||
                wait_for_socket(server_->pid(), "udp6", udp_port_, 1s))
        << server_->err();

    Options options;
    options.transport = TransportKind::Udp;
    options.udp_remote_port = udp_port_;
    options.rto_initial = 300ms;
    options.rto_min = 300ms;
    options.timeout = 15s;
    // The legitimate client's own packets tell us the tag the server expects and our port.
    options.packet_trace = [this](const PacketTrace& p) {
      if (!p.sent || p.packet.size() < 16 || p.packet[12] == kInit) return;
      legit_port_ = wire::load_u16(p.packet, 0);
      server_tag_ = wire::load_u32(p.packet, 4);
    };
    auto connected = Association::connect("127.0.0.1", sctp_port_, options);
    ASSERT_TRUE(connected) << connected.error().message << "\n" << server_->err();
    legit_.emplace(std::move(connected.value()));
    expect_echo("hello");
    ASSERT_NE(server_tag_, 0u);
  }

  void TearDown() override {
    if (legit_) {
      EXPECT_TRUE(legit_->shutdown()) << legit_->close_reason();
      legit_.reset();
      if (server_) {
        EXPECT_EQ(server_->wait(15s), 0) << "the server did not exit cleanly: " << server_->err();
      }
    }
  }

  void expect_echo(const std::string& text) {
    ASSERT_TRUE(legit_->send(text)) << legit_->close_reason();
    auto echo = legit_->receive(15s);
    ASSERT_TRUE(echo) << "no echo of '" << text << "': " << echo.error().message;
    EXPECT_EQ(std::string(echo->data.begin(), echo->data.end()), text);
  }

  // Sends a well-formed INIT as a probe and returns every answer that came before its INIT ACK:
  // the answers to what was sent before it (the server handles datagrams in order).
  std::vector<Answer> answers_before_probe() {
    const uint32_t probe_tag = 0x50000000u | (next_tag_++ & 0xffff);
    attacker_.send(sctp(kAttackerPort, sctp_port_, 0, {init_chunk(probe_tag)}));
    std::vector<Answer> answers;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto bytes = attacker_.receive(1000ms);
      if (!bytes) continue;
      auto answer = parse_answer(*bytes);
      if (!answer) {
        ADD_FAILURE() << "the server sent a packet our parser rejects";
        continue;
      }
      EXPECT_TRUE(answer->checksum_ok);
      if (answer->tag == probe_tag && !answer->chunks.empty() && answer->chunks[0].first == kInitAck) return answers;
      answers.push_back(*answer);
    }
    ADD_FAILURE() << "the probe INIT got no INIT ACK";
    return answers;
  }

  // The server's trace lines (tcpdump format) of packets it sent that contain `label`.
  size_t sent_lines_with(const std::string& label) const {
    const std::string from = fmt::format("127.0.0.1.{} > ", sctp_port_);
    const std::string trace = server_->err();
    size_t count = 0, start = 0;
    for (size_t end; (end = trace.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string line = trace.substr(start, end - start);
      if (line.find(from) != std::string::npos && line.find(label) != std::string::npos) ++count;
    }
    return count;
  }

  // Packets the RFC says to drop without a word (RFC 9260 6.8, 3.2, 3.3.2, 5.1.5, 8.4, 8.5.1).
  std::vector<Packet> silent_battery(std::mt19937& random) {
    const uint16_t s = sctp_port_;
    const uint32_t stranger = 0x0badf00d;
    std::vector<Packet> out;
    out.push_back(sctp(kAttackerPort, s, 0, {init_chunk(0x11111111)}, /*corrupt_checksum=*/true));  // 6.8
    out.push_back({});                                                   // empty datagram
    out.push_back({0x00});                                               // 1 byte
    out.push_back(Packet(11, 0xee));                                     // shorter than the common header
    out.push_back(sctp(kAttackerPort, s, stranger, {}));                 // a header and no chunk
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kHeartbeat, 0, {}, 0)}));         // length 0
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kHeartbeat, 0, {}, 3)}));         // length < 4
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kHeartbeat, 0, {0, 1, 0, 8}, 64)}));  // past end
    out.push_back(sctp(kAttackerPort, s, 0, {init_chunk(0)}));          // 3.3.2: Initiate Tag 0
    Packet cookie(64);
    for (auto& b : cookie) b = static_cast<uint8_t>(random());
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kCookieEcho, 0, cookie)}));        // 5.1.5: forged
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kAbort, 0, {})}));                 // 8.4 (2)
    out.push_back(sctp(kAttackerPort, s, stranger, {chunk(kShutdownComplete, 0, {})}));      // 8.4 (6)
    // Aimed at the legitimate association (its addresses and ports) with wrong tags: 8.5.1.
    out.push_back(sctp(legit_port_, s, server_tag_ ^ 1, {chunk(kAbort, 0, {})}));
    out.push_back(sctp(legit_port_, s, server_tag_ ^ 1, {chunk(kAbort, 1, {})}));
    out.push_back(sctp(legit_port_, s, server_tag_ ^ 1, {chunk(kShutdownComplete, 0, {})}));
    out.push_back(sctp(legit_port_, s, server_tag_ ^ 1, {chunk(kShutdownComplete, 1, {})}));
    out.push_back(sctp(legit_port_, s, server_tag_ ^ 1, {data_chunk(12345, "forged")}));
    for (int i = 0; i < 20; ++i) {  // random bytes (a valid CRC32c by chance: 2^-32)
      Packet junk(12 + random() % 300);
      for (auto& b : junk) b = static_cast<uint8_t>(random());
      wire::store_u16(junk, 2, s);
      out.push_back(junk);
    }
    return out;
  }

  static constexpr uint16_t kAttackerPort = 4444;
  TempDir dir_;
  uint16_t udp_port_ = free_udp_port();
  uint16_t sctp_port_ = static_cast<uint16_t>(30000 + ::getpid() % 20000);
  std::optional<Child> server_;
  std::optional<Association> legit_;
  uint16_t legit_port_ = 0;
  uint32_t server_tag_ = 0;
  uint32_t next_tag_ = 1;
  Attacker attacker_{udp_port_};
};

TEST_F(HostileInput, MalformedAndForgedPacketsGetNoAnswerAndLeaveTheAssociationWorking) {
  std::mt19937 random(20261126);
  for (int round = 0; round < 3; ++round) {
    for (const auto& p : silent_battery(random)) attacker_.send(p);
    const auto answers = answers_before_probe();
    for (const auto& a : answers)
      ADD_FAILURE() << "round " << round << ": an answer where RFC 9260 asks for silence: tag " << a.tag
                    << ", first chunk type " << int(a.chunks.empty() ? -1 : a.chunks[0].first);
    expect_echo(fmt::format("still here {}", round));
  }
  EXPECT_TRUE(server_->running());
}

TEST_F(HostileInput, OutOfTheBlueAndBadInitGetTheAnswersRfc9260Requires) {
  const uint16_t s = sctp_port_;
  // RFC 9260 8.4 (5): SHUTDOWN ACK out of the blue -> SHUTDOWN COMPLETE, T bit set, its tag reflected.
  attacker_.send(sctp(kAttackerPort, s, 0x12345678, {chunk(kShutdownAck, 0, {})}));
  auto answers = answers_before_probe();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].tag, 0x12345678u);
  ASSERT_EQ(answers[0].chunks.size(), 1u);
  EXPECT_EQ(answers[0].chunks[0], std::make_pair(uint8_t{kShutdownComplete}, uint8_t{1}));

  // RFC 9260 8.4 (8): any other chunk out of the blue -> ABORT, T bit set, tag reflected.
  attacker_.send(sctp(kAttackerPort, s, 0x23456789, {heartbeat_chunk()}));
  answers = answers_before_probe();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].tag, 0x23456789u);
  ASSERT_FALSE(answers[0].chunks.empty());
  EXPECT_EQ(answers[0].chunks[0], std::make_pair(uint8_t{kAbort}, uint8_t{1}));

  // RFC 9260 3.3.2: "A receiver of an INIT chunk with the OS value set to 0 SHOULD abort": the
  // ABORT carries the INIT's Initiate Tag, T bit clear (8.4 (3)). Likewise MIS = 0.
  for (const auto& bad : {init_chunk(0x34567890, 0, 10), init_chunk(0x34567891, 10, 0)}) {
    attacker_.send(sctp(kAttackerPort, s, 0, {bad}));
    answers = answers_before_probe();
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].tag & 0xfffffff0u, 0x34567890u);
    ASSERT_FALSE(answers[0].chunks.empty());
    EXPECT_EQ(answers[0].chunks[0], std::make_pair(uint8_t{kAbort}, uint8_t{0}));
  }
  expect_echo("after the out-of-the-blue packets");
}

TEST_F(HostileInput, UnknownChunkTypesAreHandledByTheirUpperTwoBits) {
  // RFC 9260 3.2: 00 stop and discard; 01 stop, discard, report; 10 skip and go on; 11 skip, go on,
  // report. Sent inside the legitimate association (its tag and ports) with a HEARTBEAT after the
  // unknown chunk: the HEARTBEAT is answered only when processing goes on.
  for (uint8_t action = 0; action < 4; ++action) {
    const uint8_t type = static_cast<uint8_t>(action << 6 | 0x3f);  // 63, 127, 191, 255: reserved
    const size_t acks = sent_lines_with("[HB ACK]");
    const size_t errors = sent_lines_with("[OP ERR]");  // tcpdump's name for ERROR
    attacker_.send(sctp(legit_port_, sctp_port_, server_tag_, {chunk(type, 0, {1, 2, 3, 4}), heartbeat_chunk()}));
    expect_echo(fmt::format("after chunk type {}", type));
    // The trace reaches stderr a moment after the packets leave.
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(sent_lines_with("[HB ACK]") - acks, action >= 2 ? 1u : 0u)
        << "chunk type " << int(type) << "\n" << server_->err();
    EXPECT_EQ(sent_lines_with("[OP ERR]") - errors, action % 2 == 1 ? 1u : 0u) << "chunk type " << int(type);
  }
}

TEST_F(HostileInput, PaddingIsIgnoredOnReceipt) {
  // RFC 9260 3.2: "The receiver MUST ignore the padding": non-zero padding bytes after a HEARTBEAT
  // of the legitimate association do not stop it from being answered.
  Packet heartbeat = chunk(kHeartbeat, 0, {0, 1, 0, 5, 9});  // 9 bytes long, 3 bytes of padding
  heartbeat[9] = heartbeat[10] = heartbeat[11] = 0xff;
  const size_t acks = sent_lines_with("[HB ACK]");
  attacker_.send(sctp(legit_port_, sctp_port_, server_tag_, {heartbeat}));
  expect_echo("after odd padding");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sent_lines_with("[HB ACK]") - acks, 1u) << server_->err();
}

TEST_F(HostileInput, AnInitFloodIsAnsweredStatelesslyAndMemoryStaysBounded) {
  std::mt19937 random(7);
  // Warm up (allocator pools, trace buffers) before the first measurement.
  for (const auto& p : silent_battery(random)) attacker_.send(p);
  answers_before_probe();
  const long rss_before = server_->rss_kb();
  ASSERT_GT(rss_before, 0);
  constexpr int kInits = 3000;
  size_t init_acks = 0;
  for (int i = 0; i < kInits; ++i) {
    attacker_.send(sctp(static_cast<uint16_t>(1024 + i), sctp_port_, 0, {init_chunk(0x60000000u + i)}));
    if (i % 100 != 99) continue;
    // Read the answers now and then: the attacker's receive buffer holds only so many.
    // RFC 9260 5.1.3: the INIT ACK carries all state in the cookie, so the flood creates none.
    for (const auto& a : answers_before_probe()) {
      if (!a.chunks.empty() && a.chunks[0].first == kInitAck) ++init_acks;
    }
    if (i % 1000 == 999) expect_echo(fmt::format("during the flood {}", i));
  }
  for (int round = 0; round < 3; ++round) {
    for (const auto& p : silent_battery(random)) attacker_.send(p);
    EXPECT_TRUE(answers_before_probe().empty());
  }
  EXPECT_GT(init_acks, kInits / 2u) << "the server stopped answering INITs";
  expect_echo("after the flood");
  const long rss_after = server_->rss_kb();
  RecordProperty("server_rss_before_kb", static_cast<int>(rss_before));
  RecordProperty("server_rss_after_kb", static_cast<int>(rss_after));
  EXPECT_LT(rss_after - rss_before, kRssGrowthLimitKb) << "RSS grew from " << rss_before << " kB to " << rss_after << " kB";
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace sctpkit::interop
