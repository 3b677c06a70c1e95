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
