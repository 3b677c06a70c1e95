// `sctpkit cat` end to end: the built binary as two processes over UDP encapsulation on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cat_process.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using ::testing::HasSubstr;

// The exit codes the README documents (tools/commands.h), as scripts see them.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitAborted = 5;
constexpr int kExitTimeout = 6;
constexpr int kExitUnreachable = 7;

// A UDP port nobody uses right now (bound, read back, released), so parallel tests do not collide.
uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct Ports {
  std::string udp = std::to_string(free_udp_port());
  std::string sctp = std::to_string(20000 + ::getpid() % 20000);
};

TEST(CatCommand, EchoServerReturnsEachLineAndBothCloseGracefully) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", p.sctp});
  Process client({"cat", "--udp=" + p.udp, "--lines", "--stream", "3", "--ppid", "51", "127.0.0.1", p.sctp});
  client.write("hello\nsecond line\n");
  EXPECT_EQ(client.read_stdout_until("hello\nsecond line\n", 15s), "hello\nsecond line\n");
  client.close_stdin();  // EOF: graceful SHUTDOWN
  EXPECT_EQ(client.wait(10s), kExitOk) << client.err();
  EXPECT_EQ(server.wait(10s), kExitOk) << server.err();
}

TEST(CatCommand, UnorderedMessagesArriveToo) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", "--streams", "4:4", p.sctp});
  Process client({"cat", "--udp=" + p.udp, "--unordered", "--streams", "4", "127.0.0.1", p.sctp});
  client.write("unordered");
  EXPECT_EQ(client.read_stdout_until("unordered", 15s), "unordered");
  client.close_stdin();
  EXPECT_EQ(client.wait(10s), kExitOk) << client.err();
}

TEST(CatCommand, ListenerWritesReceivedMessagesToStdout) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "-k", p.sctp});
  Process client({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  client.write("to the listener");
  EXPECT_EQ(server.read_stdout_until("to the listener", 15s), "to the listener");
  client.close_stdin();
  EXPECT_EQ(client.wait(10s), kExitOk) << client.err();
}

TEST(CatCommand, ZeroIoConnectsReportsAndShutsDown) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", p.sctp});
  Process client({"cat", "-z", "--udp=" + p.udp, "--hb-interval", "500", "127.0.0.1", p.sctp});
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  EXPECT_THAT(client.err(), HasSubstr("connected to 127.0.0.1 port " + p.sctp));
  EXPECT_EQ(server.wait(10s), kExitOk) << server.err();
}

TEST(CatCommand, PeerAbortExitsWithAbortCodeAndTheCause) {
  Ports p;
  Options options;
  options.udp_local_port = static_cast<uint16_t>(std::stoi(p.udp));
  auto listener = Listener::listen(static_cast<uint16_t>(std::stoi(p.sctp)), options);
  ASSERT_TRUE(listener) << listener.error().message;
  Process client({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  auto association = listener->accept(15s);
  ASSERT_TRUE(association) << association.error().message;
  association->abort("test says goodbye");
  EXPECT_EQ(client.wait(10s), kExitAborted) << client.err();
  EXPECT_THAT(client.err(), ::testing::MatchesRegex("sctpkit cat: [^\n]*aborted by the peer[^\n]*test says goodbye[^\n]*\n"));
}

TEST(CatCommand, NobodyListeningTimesOutWithOneLineReason) {
  Ports p;
  Process client({"cat", "-w", "1", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  const auto code = client.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code;
  EXPECT_THAT(client.err(), ::testing::MatchesRegex("sctpkit cat: [^\n]+\n"));
}

TEST(CatCommand, BadArgumentsExitWithUsageCode) {
  const std::vector<std::vector<std::string>> cases = {
      {"cat"},                                        // no port
      {"cat", "127.0.0.1"},                           // connecting without a port
      {"cat", "-l", "127.0.0.1", "5000"},             // -l takes only PORT
      {"cat", "127.0.0.1", "notaport"},               //
      {"cat", "127.0.0.1", "70000"},                  //
      {"cat", "--udp", "--raw", "127.0.0.1", "5000"},  //
      {"cat", "--udp=x", "127.0.0.1", "5000"},        //
      {"cat", "--streams", "0", "127.0.0.1", "5000"},  //
      {"cat", "-4", "-6", "127.0.0.1", "5000"},       //
      {"cat", "--echo", "127.0.0.1", "5000"},         // --echo needs -l
      {"cat", "-w", "0", "127.0.0.1", "5000"},        //
  };
  for (const auto& args : cases) {
    Process p(args);
    EXPECT_EQ(p.wait(10s), kExitUsage) << ::testing::PrintToString(args) << p.err();
    EXPECT_FALSE(p.err().empty());
  }
}

TEST(CatCommand, TracePrintsEveryChunkInTcpdumpFormatAndWritesPcap) {
  Ports p;
  const std::string pcap = ::testing::TempDir() + "cat_trace_" + p.sctp + ".pcap";
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", p.sctp});
  Process client({"cat", "--udp=" + p.udp, "--trace", "--trace-file", pcap, "127.0.0.1", p.sctp});
  client.write("traced");
  EXPECT_EQ(client.read_stdout_until("traced", 15s), "traced");
  client.close_stdin();
  ASSERT_EQ(client.wait(10s), kExitOk) << client.err();
  const std::string& trace = client.err();
  for (const char* chunk : {"[INIT]", "[INIT ACK]", "[COOKIE ECHO]", "[COOKIE ACK]", "[DATA]", "[SACK]",
                            "[SHUTDOWN]", "[SHUTDOWN ACK]", "[SHUTDOWN COMPLETE]"})
    EXPECT_THAT(trace, HasSubstr(chunk)) << trace;
  // tcpdump -nn with the UDP-encapsulation marker of docs/dump.md:
  // "HH:MM:SS.uuuuuu IP [udp-encap UPORT > UPORT] a.b.c.d.SPORT > 127.0.0.1.DPORT: sctp (1) [INIT]"
  const std::regex line(R"(\d\d:\d\d:\d\d\.\d{6} IP \[udp-encap \d+ > )" + p.udp +
                        R"(\] [0-9.]+\.\d+ > 127\.0\.0\.1\.)" + p.sctp + R"(: sctp \(1\) \[INIT\])");
  EXPECT_TRUE(std::regex_search(trace, line)) << trace;

  std::ifstream file(pcap, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]) | static_cast<uint8_t>(bytes[1]) << 8 |
                static_cast<uint8_t>(bytes[2]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(bytes[3])) << 24,
            0xa1b2c3d4u);  // classic pcap, written in this (little-endian) host's order
  ::unlink(pcap.c_str());
}

}  // namespace
}  // namespace sctpkit::tools
