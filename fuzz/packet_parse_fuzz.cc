// Feeds arbitrary bytes to the packet parser: common header, chunk chain, checksum, and the TLV
// lists inside chunks. Besides the sanitizers' checks it traps when two views of the same bytes
// disagree, which a crash-free but wrong parser would otherwise survive.
#include <cstddef>
#include <cstdint>

#include "wire/crc32c.h"
#include "wire/packet.h"
#include "wire/tlv.h"

namespace {

using namespace sctpkit::wire;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

bool inside(Bytes inner, Bytes outer) {
  return inner.empty() ||
         (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

// Where a chunk's TLV list starts after its fixed fields, for the chunk types that carry one.
size_t tlv_offset(uint8_t type) {
  switch (type) {
    case 1:   // INIT (RFC 9260 3.3.2): tag, a_rwnd, streams, initial TSN
    case 2:   // INIT ACK (RFC 9260 3.3.3): same fixed part
      return 16;
    case 0xC1:  // ASCONF (RFC 5061 4.1.1): serial number
    case 0x80:  // ASCONF-ACK (RFC 5061 4.1.2): serial number
      return 4;
    default:  // HEARTBEAT, ABORT, ERROR, RE-CONFIG and others start with TLVs or carry none
      return 0;
  }
}

size_t walk_tlvs(Bytes list) {
  size_t count = 0;
  TlvReader reader(list);
  while (auto tlv = reader.next()) {
    if (!*tlv) break;
    check(inside((*tlv)->whole, list) && inside((*tlv)->value, (*tlv)->whole));
    check((*tlv)->whole.size() == (*tlv)->length && (*tlv)->value.size() + kTlvHeaderSize == (*tlv)->length);
    ++count;
  }
  check(reader.next() == std::nullopt);  // nothing after the end or an error
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes packet(data, size);

  // Both CRC implementations must agree on any input, and continuing from a prefix's value must
  // give the value of the whole.
  const uint32_t whole = crc32c(packet);
  if (crc32c_hardware_available()) check(crc32c_hardware(packet) == crc32c_portable(packet));
  check(crc32c(packet.subspan(size / 3), crc32c(packet.first(size / 3))) == whole);
  const bool checksum_ok = verify_checksum(packet);

  auto view = PacketView::parse(packet);
  if (size < kCommonHeaderSize) {
    check(!view.ok() && !checksum_ok);
    return 0;
  }

  // A ChunkReader over the same bytes must fail exactly when PacketView::parse does.
  size_t reader_chunks = 0;
  bool reader_failed = false;
  ChunkReader reader(packet.subspan(kCommonHeaderSize));
  while (auto chunk = reader.next()) {
    if (!*chunk) {
      reader_failed = true;
      break;
    }
    check(inside((*chunk)->whole, packet) && (*chunk)->whole.size() == (*chunk)->length);
    ++reader_chunks;
  }
  check(reader_failed != view.ok());
  if (!view) return 0;

  size_t chunks = 0;
  for (const RawChunk& chunk : *view) {
    check(inside(chunk.whole, packet) && inside(chunk.value, chunk.whole));
    walk_tlvs(chunk.value);
    const size_t offset = tlv_offset(chunk.type);
    if (offset != 0 && chunk.value.size() >= offset) walk_tlvs(chunk.value.subspan(offset));
    ++chunks;
  }
  check(chunks == view->chunk_count() && chunks == reader_chunks);
  return 0;
}
