// Replaces the global operator new/delete with ones that count every allocation of the process,
// for the steady-state allocation test and the engine benchmark. Include it from exactly ONE
// source file of a binary (it defines the replacements, which the linker allows once); the
// others include assoc/allocation_counter.h.
#pragma once

#include <cstdlib>
#include <new>

#include "assoc/allocation_counter.h"

// GCC pairs the replaced new and delete below by their bodies (malloc vs ::operator new) once
// inlined and warns; they are a matched malloc/free pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  sctpkit::assoc::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): all of them pair with the
// free()-based deletes below, which sanitizers check.
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  sctpkit::assoc::g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
