// `sctpkit cat` end to end: the built binary as two processes over UDP encapsulation on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cat_process.h"
#include "sctpkit/sctpkit.h"
#include "free_port.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using ::testing::HasSubstr;
using namespace testing;  // Process, the exit codes

using test::free_udp_port;

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

// -w bounds connect and shutdown only: a listener waits for its client as long as it takes, as
// `ncat -l` does (it said "accept timed out" after -w seconds, 10 by default).
TEST(CatCommand, ListenerWaitsForAClientLongerThanTheWaitOption) {
  Ports p;
  Process server({"cat", "-l", "-w", "1", "--udp=" + p.udp, "--echo", p.sctp});
  EXPECT_EQ(server.read_stderr_until("timed out", 2500ms), "");
  Process client({"cat", "-w", "1", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  client.write("late");
  EXPECT_EQ(client.read_stdout_until("late", 15s), "late") << client.err();
  client.close_stdin();
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

TEST(CatCommand, NcatStyleArgumentsWork) {
  Ports p;
  // ncat --sctp -l ADDR -p PORT, and ncat --sctp -n -z HOST PORT
  Process server({"cat", "--sctp", "-l", "127.0.0.1", "-p", p.sctp, "--udp=" + p.udp, "--echo"});
  Process client({"cat", "--sctp", "-n", "-z", "--udp=" + p.udp, "127.0.0.1", p.sctp});
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

// A listener whose stdin is already at its end shuts the association down once it is up (RFC
// 9260 9.2), usually before the client sent anything: the client's input then never reaches it, and
// the client exited 0 all the same ("shut down: shutdown complete"), so a script saw success.
TEST(CatCommand, InputThePeerNeverTookIsAFailure) {
  Ports p;
  const std::string input(60000, 'x');
  Process server({"cat", "-l", "--udp=" + p.udp, p.sctp}, Process::Input{""});
  Process client({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp}, Process::Input{input});
  const auto client_code = client.wait(15s);
  const auto server_code = server.wait(10s);
  ASSERT_TRUE(client_code.has_value() && server_code.has_value());
  EXPECT_EQ(*server_code, kExitOk) << server.err();
  // Either the input got through before the SHUTDOWN (then success is the truth), or the client
  // says it did not.
  if (server.out() == input) {
    EXPECT_EQ(*client_code, kExitOk) << client.err();
  } else {
    EXPECT_EQ(*client_code, kExitFailure) << client.err();
    EXPECT_THAT(client.err(), HasSubstr("the peer shut down the association before the end of stdin"));
  }
}

// EOF on stdin started a shutdown() that waited without reading: the echoes still coming filled
// the receive window, both ends stalled until -w, and the rest was lost (8 MB through an echo
// server came back as 4.6 MB, exit 5 and 1; 50 MB as 42 MB). Now the answers go on to stdout.
TEST(CatCommand, EverythingEchoedBeforeTheShutdownComesBack) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", p.sctp});
  Process client({"cat", "-w", "5", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  std::string input(8u << 20, '\0');
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  std::thread writer([&] {  // the pipe takes 64 KiB at a time; then EOF
    client.write(input);
    client.close_stdin();
  });
  const auto& out = client.read_stdout_size(input.size(), 60s);
  writer.join();
  EXPECT_EQ(out.size(), input.size()) << client.err();
  EXPECT_TRUE(out == input) << "the echo differs";
  EXPECT_EQ(client.wait(30s), kExitOk) << client.err();
  EXPECT_EQ(server.wait(30s), kExitOk) << server.err();
}

TEST(CatCommand, NobodyListeningTimesOutWithOneLineReason) {
  Ports p;
  Process client({"cat", "-w", "1", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  const auto code = client.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code;
  EXPECT_THAT(client.err(), ::testing::MatchesRegex("sctpkit cat: [^\n]+\n"));
}

// `--udp HOST PORT`, the optional port written apart from a HOST: CLI11 took HOST as the UDP port
// and cat answered "connecting needs HOST PORT" (exit 2) to a command line that gave both.
TEST(CatCommand, UdpWithoutPortBeforeTheHostConnectsToTheHost) {
  Ports p;
  Process client({"cat", "-z", "-w", "1", "--udp", "127.0.0.1", p.sctp});
  const auto code = client.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code << ": " << client.err();
  EXPECT_THAT(client.err(), HasSubstr("127.0.0.1 port " + p.sctp));
  Process listener({"cat", "-l", "--udp", p.udp});
  EXPECT_EQ(listener.wait(10s), kExitUsage);
  EXPECT_THAT(listener.err(), HasSubstr("--udp took " + p.udp + " as its UDP port"));
}

// The message told the user to "choose another with --udp-port": no command has that flag.
TEST(CatCommand, ABusyUdpPortNamesTheFlagThatChoosesAnother) {
  Ports p;
  Process first({"cat", "-l", "-v", "--udp=" + p.udp, p.sctp});
  ASSERT_THAT(first.read_stderr_until("listening on port", 15s), HasSubstr("listening on port"));
  Process second({"cat", "-l", "--udp=" + p.udp, p.sctp});
  EXPECT_EQ(second.wait(10s), 1) << second.err();
  EXPECT_THAT(second.err(), HasSubstr("(another program holds UDP port " + p.udp + "; choose another with --udp=PORT)"));
}

TEST(CatCommand, BadArgumentsExitWithUsageCode) {
  const std::vector<std::vector<std::string>> cases = {
      {"cat"},                                        // no port
      {"cat", "127.0.0.1"},                           // connecting without a port
      {"cat", "-l"},                                  // -l without a port
      {"cat", "-l", "-s", "127.0.0.1", "127.0.0.2", "5000"},  // -l ADDR and -s differ
      {"cat", "-n", "localhost", "5000"},             // -n takes numbers only
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

TEST(CatCommand, TheLastMessageOfTheInputCarriesTheIBit) {
  Ports p;
  const std::string pcap = ::testing::TempDir() + "cat_last_" + p.sctp + ".pcap";
  Process server({"cat", "-l", "--udp=" + p.udp, p.sctp});
  Process client({"cat", "--udp=" + p.udp, "--lines", "--trace-file", pcap, "127.0.0.1", p.sctp},
                 Process::Input{"first\nsecond\nlast\n"});
  ASSERT_EQ(client.wait(15s), kExitOk) << client.err();
  EXPECT_EQ(server.wait(10s), kExitOk) << server.err();
  EXPECT_EQ(server.out(), "first\nsecond\nlast\n");
  // RFC 9260 6.1 / 3.3.1: the I bit on the last message's DATA chunk, and on no other, so that the
  // peer's SACK (and so the SHUTDOWN, 9.2) does not wait for its delayed SACK timer (6.2).
  Process dump({"dump", "--json", "--udp-port", p.udp, "-r", pcap});
  ASSERT_EQ(dump.wait(10s), kExitOk) << dump.err();
  std::vector<std::pair<std::string, bool>> data;  // each DATA chunk the client sent: payload start, I bit
  std::istringstream lines(dump.out());
  for (std::string line; std::getline(lines, line);) {
    const auto packet = nlohmann::json::parse(line);
    if (packet["sctp"]["destination_port"] != std::stoi(p.sctp)) continue;
    for (const auto& chunk : packet["sctp"]["chunks"])
      if (chunk["name"] == "DATA") data.emplace_back(chunk.value("user_data", ""), chunk["flags_decoded"]["I"]);
  }
  ASSERT_EQ(data.size(), 3u) << dump.out();
  EXPECT_FALSE(data[0].second);
  EXPECT_FALSE(data[1].second);
  EXPECT_TRUE(data[2].second) << dump.out();
  ::unlink(pcap.c_str());
}

TEST(CatCommand, KeepOpenEchoesTwoInterleavedClientsAndThenAThird) {
  Ports p;
  Process server({"cat", "-l", "-k", "--udp=" + p.udp, "--echo", p.sctp});
  Process a({"cat", "--udp=" + p.udp, "--lines", "127.0.0.1", p.sctp});
  a.write("a1\n");
  ASSERT_EQ(a.read_stdout_until("a1\n", 15s), "a1\n") << a.err();
  // b connects while a is still open: neither waits for the other.
  Process b({"cat", "--udp=" + p.udp, "--lines", "127.0.0.1", p.sctp});
  b.write("b1\n");
  ASSERT_EQ(b.read_stdout_until("b1\n", 15s), "b1\n") << b.err();
  a.write("a2\n");
  EXPECT_EQ(a.read_stdout_until("a2\n", 15s), "a1\na2\n");
  b.write("b2\n");
  EXPECT_EQ(b.read_stdout_until("b2\n", 15s), "b1\nb2\n");
  a.close_stdin();
  EXPECT_EQ(a.wait(10s), kExitOk) << a.err();
  b.write("b3\n");  // served on after the other peer left
  EXPECT_EQ(b.read_stdout_until("b3\n", 15s), "b1\nb2\nb3\n");
  b.close_stdin();
  EXPECT_EQ(b.wait(10s), kExitOk) << b.err();
  // and the next one, after both left
  Process c({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  c.write("c1");
  EXPECT_EQ(c.read_stdout_until("c1", 15s), "c1");
  c.close_stdin();
  EXPECT_EQ(c.wait(10s), kExitOk) << c.err();
}

TEST(CatCommand, KeepOpenSendsStdinToEveryPeerAndPrintsWhatEachSends) {
  Ports p;
  Process server({"cat", "-l", "-k", "-v", "--lines", "--udp=" + p.udp, p.sctp});
  Process a({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  Process b({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  // Both accepted (-v says so for each) before stdin goes out.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  auto accepted = [&] {
    const std::string& e = server.err();
    size_t count = 0;
    for (size_t at = 0; (at = e.find("association from 127.0.0.1", at)) != std::string::npos; ++at) ++count;
    return count;
  };
  while (accepted() < 2 && std::chrono::steady_clock::now() < deadline) server.read_stderr_until("\n\n", 100ms);
  ASSERT_EQ(accepted(), 2u) << server.err();
  server.write("to all\n");
  EXPECT_EQ(a.read_stdout_until("to all\n", 15s), "to all\n");
  EXPECT_EQ(b.read_stdout_until("to all\n", 15s), "to all\n");
  a.write("from a");
  b.write("from b");
  server.read_stdout_until("from b", 15s);
  server.read_stdout_until("from a", 15s);
  EXPECT_THAT(server.out(), HasSubstr("from a"));
  EXPECT_THAT(server.out(), HasSubstr("from b"));
  a.close_stdin();
  b.close_stdin();
  EXPECT_EQ(a.wait(10s), kExitOk) << a.err();
  EXPECT_EQ(b.wait(10s), kExitOk) << b.err();
}

TEST(CatCommand, TraceOnAWildcardListenerShowsRealAddressesAndEncapsulationPorts) {
  Ports p;
  Process server({"cat", "-l", "--udp=" + p.udp, "--echo", "--trace", p.sctp});
  Process client({"cat", "--udp=" + p.udp, "127.0.0.1", p.sctp});
  client.write("x");
  ASSERT_EQ(client.read_stdout_until("x", 15s), "x");
  client.close_stdin();
  ASSERT_EQ(client.wait(10s), kExitOk) << client.err();
  ASSERT_EQ(server.wait(10s), kExitOk) << server.err();
  const std::string& trace = server.err();
  EXPECT_THAT(trace, ::testing::Not(HasSubstr("0.0.0.0"))) << trace;
  // The INIT came from the client's ephemeral UDP port; the INIT ACK goes back to that port
  // (RFC 6951 5.4), from the address the INIT was sent to, and the trace says so.
  std::smatch init, init_ack;
  ASSERT_TRUE(std::regex_search(trace, init, std::regex(R"(\[udp-encap (\d+) > )" + p.udp +
                                                       R"(\] 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.)" + p.sctp +
                                                       R"(: sctp \(1\) \[INIT\])")))
      << trace;
  ASSERT_TRUE(std::regex_search(trace, init_ack, std::regex(R"(\[udp-encap )" + p.udp + R"( > (\d+)\] 127\.0\.0\.1\.)" +
                                                           p.sctp + R"( > 127\.0\.0\.1\.(\d+): sctp \(1\) \[INIT ACK\])")))
      << trace;
  EXPECT_EQ(init[1], init_ack[1]);
  EXPECT_EQ(init[2], init_ack[2]);
  EXPECT_NE(init_ack[1], "9899");  // not the configured default remote port
  EXPECT_THAT(trace, HasSubstr("[SHUTDOWN COMPLETE]"));
}

}  // namespace
}  // namespace sctpkit::tools
