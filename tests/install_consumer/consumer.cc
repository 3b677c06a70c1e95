// Uses both installed APIs: the socket-style one and the sans-IO engine's entry point.
#include <assoc/endpoint.h>
#include <sctpkit/sctpkit.h>

int main() {
  sctpkit::Options options;
  options.udp_local_port = 0;
  options.local_addresses = {"127.0.0.1"};
  auto listener = sctpkit::Listener::listen(5093, options);
  if (!listener) return 1;
  sctpkit::assoc::EndpointConfig config;
  config.local_port = 5093;
  return sctpkit::assoc::validate(config) ? 1 : 0;
}
