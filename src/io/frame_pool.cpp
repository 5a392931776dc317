#include "io/frame_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace nb {
namespace {

// Each block starts with its size; the caller gets the bytes after it.
constexpr size_t kBlockHeader = 64;
constexpr size_t kMaxIdleBytes = size_t(512) << 20;
// As many idle blocks as the loader decodes ahead (burst_loader.cpp's
// kLookahead): the next frames take those, and a block beyond them would
// wait unused while other buffers (the merge's, alignment's) need fresh
// memory. Freed instead, it goes back to the heap they are served from (the
// CLI keeps freed memory in the process). 12 MP x 8 DNGs to PNG, five runs
// alternating: peak 469 -> 434 MB, 1.77 -> 1.63 s median.
constexpr size_t kMaxIdleBlocks = 2;

struct IdleBlocks {
  std::mutex mutex;
  std::vector<void*> blocks;  // block starts (headers)
  size_t bytes = 0;
};

// Never destroyed: a frame may be freed during static destruction.
IdleBlocks& idle() {
  static IdleBlocks* blocks = new IdleBlocks;
  return *blocks;
}

size_t& block_size(void* block) { return *static_cast<size_t*>(block); }

void* allocate_block(size_t bytes) {
  IdleBlocks& pool = idle();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    for (size_t i = 0; i < pool.blocks.size(); ++i) {
      void* block = pool.blocks[i];
      if (block_size(block) != bytes) continue;
      pool.blocks[i] = pool.blocks.back();
      pool.blocks.pop_back();
      pool.bytes -= bytes;
      return static_cast<char*>(block) + kBlockHeader;
    }
  }
  void* block = std::malloc(bytes + kBlockHeader);
  if (!block) return nullptr;  // Halide's Buffer reports the failed allocation
  block_size(block) = bytes;
  return static_cast<char*>(block) + kBlockHeader;
}

void release_block(void* data) {
  void* block = static_cast<char*>(data) - kBlockHeader;
  const size_t bytes = block_size(block);
  IdleBlocks& pool = idle();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.bytes + bytes <= kMaxIdleBytes && pool.blocks.size() < kMaxIdleBlocks) {
      // A Buffer's destructor calls this, so nothing may escape: when the
      // list cannot grow, the block is freed instead of kept.
      try {
        pool.blocks.push_back(block);
        pool.bytes += bytes;
        return;
      } catch (const std::bad_alloc&) {
      }
    }
  }
  std::free(block);
}

}  // namespace

Halide::Runtime::Buffer<uint16_t, 2> pooled_mosaic(int width, int height) {
  Halide::Runtime::Buffer<uint16_t, 2> mosaic(nullptr, width, height);
  mosaic.allocate(allocate_block, release_block);
  return mosaic;
}

}  // namespace nb
