// `sctpkit cat --kernel` on a host whose kernel has no SCTP: one line that says so and what to use
// instead, exit 1. (Where the module exists, the kernel interop suite runs --kernel in its guest.)
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cat_process.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using ::testing::HasSubstr;

bool kernel_has_sctp() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

TEST(CatKernel, WithoutTheModuleSaysSoInOneLine) {
  if (kernel_has_sctp()) GTEST_SKIP() << "this kernel has SCTP; tests/kernel covers --kernel";
  for (const auto& args : {std::vector<std::string>{"cat", "--kernel", "127.0.0.1", "5000"},
                           std::vector<std::string>{"cat", "-l", "--kernel", "5000"}}) {
    Process cat(args);
    cat.close_stdin();
    EXPECT_EQ(cat.wait(10s), 1);
    EXPECT_EQ(cat.err(), "sctpkit cat: the kernel has no SCTP (module sctp not loaded): use --udp or --raw\n");
  }
}

TEST(CatKernel, KernelExcludesOtherTransportsAndTracing) {
  for (const auto& args : {std::vector<std::string>{"cat", "--kernel", "--udp=9899", "127.0.0.1", "5000"},
                           std::vector<std::string>{"cat", "--kernel", "--raw", "127.0.0.1", "5000"},
                           std::vector<std::string>{"cat", "--kernel", "--trace", "127.0.0.1", "5000"}}) {
    Process cat(args);
    cat.close_stdin();
    EXPECT_EQ(cat.wait(10s), 2) << args[2];
    EXPECT_THAT(cat.err(), HasSubstr("--kernel")) << args[2];
  }
}

// perf and linktest take the same transport flags (tools/transport_flags.*) as cat.
TEST(PerfLinktestKernel, WithoutTheModuleSaySoInOneLine) {
  if (kernel_has_sctp()) GTEST_SKIP() << "this kernel has SCTP; tests/kernel covers --kernel";
  Process perf({"perf", "--kernel", "-c", "127.0.0.1", "-p", "5000", "-J"});
  EXPECT_EQ(perf.wait(10s), 1);
  EXPECT_EQ(perf.err(), "sctpkit perf: the kernel has no SCTP (module sctp not loaded): use --udp or --raw\n");
  Process serve({"linktest", "--serve", "5000", "--kernel"});
  EXPECT_EQ(serve.wait(10s), 1);
  EXPECT_EQ(serve.err(), "sctpkit linktest: the kernel has no SCTP (module sctp not loaded): use --udp or --raw\n");
  // The client reports it as its failed setup phase.
  Process client({"linktest", "--kernel", "--json", "127.0.0.1", "5000"});
  EXPECT_EQ(client.wait(10s), 1);
  EXPECT_THAT(client.out(), HasSubstr("\"transport\":\"kernel\""));
  EXPECT_THAT(client.out(), HasSubstr("module sctp not loaded"));
}

TEST(PerfLinktestKernel, KernelExcludesOtherTransports) {
  for (const auto& args : {std::vector<std::string>{"perf", "--kernel", "--udp", "-c", "127.0.0.1"},
                           std::vector<std::string>{"perf", "--raw", "--kernel", "-s"},
                           std::vector<std::string>{"linktest", "--kernel", "--raw", "127.0.0.1"},
                           std::vector<std::string>{"linktest", "--kernel", "--udp=9899", "--serve"}}) {
    Process tool(args);
    EXPECT_EQ(tool.wait(10s), 2) << args[0];
    EXPECT_EQ(tool.err(), "sctpkit " + args[0] + ": --udp, --raw and --kernel exclude each other\n");
  }
  // The local run and the matrix use sctpkit's own stack.
  Process local({"linktest", "--kernel"});
  EXPECT_EQ(local.wait(10s), 2);
  EXPECT_THAT(local.err(), HasSubstr("--kernel need a HOST"));
  Process matrix({"linktest", "--matrix", "--kernel", "a=127.0.0.1:5000"});
  EXPECT_EQ(matrix.wait(10s), 2);
  EXPECT_THAT(matrix.err(), HasSubstr("drop --kernel"));
}

TEST(KernelTransport, ApiReportsTheMissingModule) {
  if (kernel_has_sctp()) GTEST_SKIP() << "this kernel has SCTP; tests/kernel covers the kernel transport";
  EXPECT_EQ(kernel_sctp_loaded(), ::access("/sys/module/sctp", F_OK) == 0);
  Options options;
  options.transport = TransportKind::Kernel;
  auto connected = Association::connect("127.0.0.1", 5000, options);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, Error::Code::System);
  EXPECT_THAT(connected.error().message, HasSubstr("module sctp not loaded"));
  auto listening = Listener::listen(5000, options);
  ASSERT_FALSE(listening);
  EXPECT_THAT(listening.error().message, HasSubstr("module sctp not loaded"));
}

}  // namespace
}  // namespace sctpkit::tools
