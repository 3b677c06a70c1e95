#include "assoc/tx/ring.h"

#include <sys/mman.h>

#include <algorithm>

namespace sctpkit::assoc {

namespace {
std::align_val_t alignment_for(size_t bytes, size_t alignment) {
  return std::align_val_t{RingStorage::huge(bytes) ? RingStorage::kHugePage
                                                    : std::max(alignment, alignof(std::max_align_t))};
}
size_t size_for(size_t bytes) {
  return RingStorage::huge(bytes) ? (bytes + RingStorage::kHugePage - 1) / RingStorage::kHugePage * RingStorage::kHugePage
                                  : bytes;
}
}  // namespace

void* RingStorage::allocate(size_t bytes, size_t alignment) {
  const size_t size = size_for(bytes);
  void* memory = ::operator new(size, alignment_for(bytes, alignment));
#ifdef MADV_HUGEPAGE
  // Without THP for madvise() (or without THP) this is a no-op.
  if (huge(bytes)) ::madvise(memory, size, MADV_HUGEPAGE);
#endif
  return memory;
}

void RingStorage::release(void* memory, size_t bytes, size_t alignment) noexcept {
  // Not the sized form: clang (the fuzz build) enables sized deallocation only with
  // -fsized-deallocation, and the aligned delete needs no size.
  ::operator delete(memory, alignment_for(bytes, alignment));
}

}  // namespace sctpkit::assoc
