// A network namespace of the test's own, with its loopback up: a test that captures on lo sees
// only the packets it sends itself, not those of the tests ctest runs beside it (a burst of
// another capture test once landed in a capture that expected exactly three packets).
#pragma once

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sctpkit::test {

// Moves the calling thread, and the threads and processes it starts from then on, into a new
// network namespace and brings its lo up. Returns why not ("" on success); needs CAP_SYS_ADMIN.
inline std::string enter_private_loopback() {
  if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  std::string failed;
  if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
    failed = std::string("SIOCGIFFLAGS lo: ") + std::strerror(errno);
  } else {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) failed = std::string("SIOCSIFFLAGS lo: ") + std::strerror(errno);
  }
  ::close(fd);
  return failed;
}

}  // namespace sctpkit::test
