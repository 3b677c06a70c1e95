#include "linktest/matrix_driver.h"

#include <fmt/core.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "linktest/matrix_schedule.h"

namespace sctpkit::linktest {

std::vector<PairResult> run_matrix(const std::vector<Peer>& peers, const PairRunner& runner, const MatrixRun& run) {
  PairScheduler scheduler(peers.size(), ordered_pairs(peers.size()), run.parallel);
  std::vector<PairResult> results(scheduler.pairs().size());
  std::map<size_t, std::string> unreachable;  // node -> why its agent was unreachable
  std::mutex mutex;
  std::condition_variable changed;

  auto worker = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      std::optional<size_t> index;
      changed.wait(lock, [&] { return scheduler.all_taken() || (index = scheduler.take()).has_value(); });
      if (!index) return;
      const auto [from, to] = scheduler.pairs()[*index];
      PairResult result;
      if (auto known = unreachable.find(from); known != unreachable.end()) {
        result = PairResult{peers[from].name, peers[to].name, PairOutcome::AgentUnreachable, {}, {}, {}, known->second};
      } else {
        lock.unlock();
        result = runner(peers[from], peers[to]);
        lock.lock();
        if (result.outcome == PairOutcome::AgentUnreachable) unreachable.emplace(from, result.detail);
      }
      if (run.on_result) run.on_result(result);
      results[*index] = std::move(result);
      scheduler.release(*index);
      changed.notify_all();
    }
  };

  // No more threads than pairs that could ever run at once: each pair holds two nodes.
  const size_t threads = std::max<size_t>(1, std::min(run.parallel, peers.size() / 2));
  std::vector<std::thread> pool;
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return results;
}

}  // namespace sctpkit::linktest
