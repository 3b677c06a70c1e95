#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "perf/control.h"

namespace sctpkit::perf {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcMalloc = false;  // ASan's allocator stands in for glibc's
#else
constexpr bool kGlibcMalloc = true;
#endif

TEST(KeepFreedMemory, LargeBuffersComeFromTheHeapAndStayThereWhenFreed) {
  if (!kGlibcMalloc) GTEST_SKIP() << "not glibc's allocator (sanitizer build)";
  ASSERT_TRUE(keep_freed_memory());
  // 4 MiB: above glibc's default mmap threshold (128 KiB, dynamic up to 32 MiB), so by default a
  // fresh mapping, faulted in page by page and unmapped by free(); a bulk receiver paid that for
  // every large message.
  constexpr size_t kSize = 4 << 20;
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(kSize);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kSize);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before);  // not a mapping of its own
  std::free(block);
  // Not trimmed: the heap keeps at least the block's pages for the next message.
  EXPECT_GE(mallinfo2().fordblks, kSize);
}

}  // namespace
}  // namespace sctpkit::perf
