#include "runtime/free_ports.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace summon::runtime;

namespace {

std::vector<std::string> names(int count) {
  std::vector<std::string> out;
  for (int n = 0; n < count; ++n) out.push_back("p" + std::to_string(n));
  return out;
}

}  // namespace

TEST_CASE("a run's ports are all different, and claimed while the claims live") {
  std::string error;
  std::set<int> seen;
  {
    PortClaims claims;
    const auto ports = pick_ports(names(30), claims, error);
    REQUIRE(ports);
    for (const auto& [name, port] : *ports) seen.insert(port);
    CHECK(seen.size() == 30);
    // Another run cannot claim them meanwhile.
    PortClaims other;
    for (int port : seen) CHECK_FALSE(other.claim(port));
  }
  // Released with the claims: free for the next run.
  PortClaims later;
  for (int port : seen) CHECK(later.claim(port));
}

TEST_CASE("runs that hold their ports at once never share one") {
  std::string error;
  std::vector<PortClaims> runs(20);
  std::set<int> all;
  std::size_t picked = 0;
  for (auto& claims : runs) {
    const auto ports = pick_ports(names(30), claims, error);
    REQUIRE(ports);
    for (const auto& [name, port] : *ports) all.insert(port);
    picked += ports->size();
  }
  CHECK(all.size() == picked);
}

TEST_CASE("a port claimed by another run is passed over") {
  std::string error;
  PortClaims first;
  const auto taken = pick_ports(names(1), first, error);
  REQUIRE(taken);
  // Whatever the kernel offers next, the second pick never returns a claimed port.
  PortClaims second;
  for (int round = 0; round < 50; ++round) {
    const auto ports = pick_ports(names(1), second, error);
    REQUIRE(ports);
    CHECK(ports->at("p0") != taken->at("p0"));
  }
}
