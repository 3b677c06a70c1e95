// Nodes of a node-based map (std::map, std::unordered_map) kept after an erase, for the next
// insert: a table whose entries come and go with associations (one per setup, gone at teardown)
// then allocates nothing per setup once it has held as many entries as it holds now, plus up to N.
// At most N nodes are kept, so an endpoint that once held many entries does not hold their
// memory: a node beyond N is freed as an erase frees it.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

namespace sctpkit::assoc {

template <typename Map, size_t N = 4>
class NodeCache {
 public:
  using Node = typename Map::node_type;
  using Key = typename Map::key_type;

  // Erases `it`'s entry, keeping its node if there is room. `reset` gets the node's mapped value
  // before it is kept, to drop what it holds (the value's memory stays in the node).
  template <typename Reset>
  void erase(Map& map, typename Map::iterator it, Reset&& reset) {
    if (count_ == N) {
      map.erase(it);
      return;
    }
    spare_[count_] = map.extract(it);
    reset(spare_[count_].mapped());
    ++count_;
  }
  void erase(Map& map, typename Map::iterator it) {
    erase(map, it, [](auto&) {});
  }

  // The entry of `key`: the existing one, or a new one made in a kept node (its mapped value as
  // the last erase left it, after `reset`) or, with none kept, a new node with a default value.
  typename Map::iterator emplace(Map& map, const Key& key) {
    if (count_ == 0) return map.try_emplace(key).first;
    Node& node = spare_[count_ - 1];
    node.key() = key;
    auto result = map.insert(std::move(node));
    if (result.inserted) {
      --count_;
    } else {
      node = std::move(result.node);  // the key was there: the node stays kept
    }
    return result.position;
  }

  [[nodiscard]] size_t kept() const { return count_; }

 private:
  std::array<Node, N> spare_;
  size_t count_ = 0;
};

}  // namespace sctpkit::assoc
