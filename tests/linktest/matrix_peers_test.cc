#include "linktest/matrix_peers.h"

#include <gtest/gtest.h>

namespace sctpkit::linktest {
namespace {

Peer peer_ok(std::string_view spec) {
  auto parsed = parse_peer(spec);
  EXPECT_TRUE(std::holds_alternative<Peer>(parsed)) << spec;
  return std::holds_alternative<Peer>(parsed) ? std::get<Peer>(parsed) : Peer{};
}

std::string peer_error(std::string_view spec) {
  auto parsed = parse_peer(spec);
  EXPECT_TRUE(std::holds_alternative<PeerError>(parsed)) << spec;
  return std::holds_alternative<PeerError>(parsed) ? std::get<PeerError>(parsed).message : "";
}

TEST(MatrixPeers, ParsesNameHostPort) {
  const Peer p = peer_ok("worker-0=10.0.0.11:30102");
  EXPECT_EQ(p.name, "worker-0");
  EXPECT_EQ(p.host, "10.0.0.11");
  EXPECT_EQ(p.port, 30102);
  EXPECT_EQ(p.address(), "10.0.0.11:30102");
}

TEST(MatrixPeers, ParsesBracketedIpv6AndPrintsItBack) {
  const Peer p = peer_ok("worker-2=[fd00::13]:30102");
  EXPECT_EQ(p.host, "fd00::13");
  EXPECT_EQ(p.port, 30102);
  EXPECT_EQ(p.address(), "[fd00::13]:30102");
}

TEST(MatrixPeers, ParsesHostNames) {
  EXPECT_EQ(peer_ok("n1=node1.example.com:9").host, "node1.example.com");
}

TEST(MatrixPeers, RejectsBadSpecsWithTheReason) {
  EXPECT_NE(peer_error("10.0.0.1:30102").find("no '='"), std::string::npos);
  EXPECT_NE(peer_error("=10.0.0.1:30102").find("NAME"), std::string::npos);
  EXPECT_NE(peer_error("a b=10.0.0.1:30102").find("NAME"), std::string::npos);
  EXPECT_NE(peer_error("a=10.0.0.1").find("no ':PORT'"), std::string::npos);
  EXPECT_NE(peer_error("a=10.0.0.1:0").find("PORT must be"), std::string::npos);
  EXPECT_NE(peer_error("a=10.0.0.1:65536").find("PORT must be"), std::string::npos);
  EXPECT_NE(peer_error("a=10.0.0.1:12x").find("PORT must be"), std::string::npos);
  EXPECT_NE(peer_error("a=10.0.0.1:").find("PORT must be"), std::string::npos);
  EXPECT_NE(peer_error("a=fd00::1:30102").find("brackets"), std::string::npos);
  EXPECT_NE(peer_error("a=[fd00::1:30102").find("']'"), std::string::npos);
  EXPECT_NE(peer_error("a=[fd00::1]30102").find("':PORT'"), std::string::npos);
  EXPECT_NE(peer_error("a=:30102").find("HOST"), std::string::npos);
  // A host that would read as an option to the agent's child process.
  EXPECT_NE(peer_error("a=-x:30102").find("HOST"), std::string::npos);
  EXPECT_NE(peer_error("a=h;rm:1").find("HOST"), std::string::npos);
  // Every message shows the expected form.
  EXPECT_NE(peer_error("bogus").find("NAME=HOST:PORT"), std::string::npos);
}

TEST(MatrixPeers, ParsesAnAddressWithoutName) {
  auto parsed = parse_address("[::1]:7");
  ASSERT_TRUE(std::holds_alternative<Peer>(parsed));
  EXPECT_EQ(std::get<Peer>(parsed).host, "::1");
  EXPECT_TRUE(std::holds_alternative<PeerError>(parse_address("x=1.2.3.4:5")));
}

TEST(MatrixPeers, ParsesAFileSkippingBlanksAndComments) {
  auto parsed = parse_peers_text("# nodes\nworker-0=10.0.0.11:30102\r\n\n  worker-1=10.0.0.12:30102  \n", "list");
  ASSERT_TRUE(std::holds_alternative<std::vector<Peer>>(parsed));
  const auto& peers = std::get<std::vector<Peer>>(parsed);
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].name, "worker-0");
  EXPECT_EQ(peers[1].host, "10.0.0.12");
}

TEST(MatrixPeers, FileErrorsNameTheLine) {
  auto parsed = parse_peers_text("a=1.1.1.1:1\n\nb=2.2.2.2\n", "/peers/list");
  ASSERT_TRUE(std::holds_alternative<PeerError>(parsed));
  EXPECT_EQ(std::get<PeerError>(parsed).message.rfind("/peers/list:3: ", 0), 0u) << std::get<PeerError>(parsed).message;
}

TEST(MatrixPeers, ValidationNeedsTwoDistinctPeers) {
  const Peer a{"a", "10.0.0.1", 1}, b{"b", "10.0.0.2", 1};
  EXPECT_TRUE(std::holds_alternative<std::vector<Peer>>(validate_peers({a, b})));
  auto one = validate_peers({a});
  ASSERT_TRUE(std::holds_alternative<PeerError>(one));
  EXPECT_NE(std::get<PeerError>(one).message.find("at least 2"), std::string::npos);
  auto same_name = validate_peers({a, Peer{"a", "10.0.0.3", 1}});
  ASSERT_TRUE(std::holds_alternative<PeerError>(same_name));
  EXPECT_NE(std::get<PeerError>(same_name).message.find("'a' is given twice"), std::string::npos);
  auto same_address = validate_peers({a, Peer{"c", "10.0.0.1", 1}});
  ASSERT_TRUE(std::holds_alternative<PeerError>(same_address));
  EXPECT_NE(std::get<PeerError>(same_address).message.find("10.0.0.1:1 is given twice"), std::string::npos);
}

}  // namespace
}  // namespace sctpkit::linktest
