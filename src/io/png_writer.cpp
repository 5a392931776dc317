// PNG writing with libpng: 8 or 16 bits per sample, sRGB chunk, fast settings.
#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csetjmp>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/color.h"
#include "io/atomic_file.h"
#include "io/exif.h"
#include "io/huffman_deflate.h"
#include "nightburst/io.h"

namespace nb {
namespace {

// libpng reports through callbacks; keep its message for our error instead
// of letting it print to stderr, then unwind to the setjmp as libpng requires.
void on_png_error(png_structp png, png_const_charp message) {
  *static_cast<std::string*>(png_get_error_ptr(png)) = message;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

// Row y of the image as PNG samples: 8-bit rounded, or 16-bit big-endian.
void pack_row(const Halide::Runtime::Buffer<uint16_t, 3>& img, int y, int bits, uint8_t* row) {
  const int w = img.width();
  const ptrdiff_t x_step = img.dim(0).stride(), channel_step = img.dim(2).stride();
  const uint16_t* in = &img(0, y, 0);
  if (bits == 8 && x_step == 1) {
    // Planar, as the pipeline writes, in runs of 64 pixels: each channel
    // converted into a small array (a loop that vectorises), then the three
    // interleaved (a stride-3 store kept the conversion itself scalar).
    constexpr int kRun = 64;
    uint8_t converted[3][kRun];
    for (int x0 = 0; x0 < w; x0 += kRun) {
      const int n = std::min(kRun, w - x0);
      for (int c = 0; c < 3; ++c) {
        const uint16_t* plane = in + c * channel_step + x0;
        for (int i = 0; i < n; ++i) converted[c][i] = to_8bit(plane[i]);
      }
      uint8_t* out = row + 3 * x0;
      for (int i = 0; i < n; ++i) {
        out[3 * i] = converted[0][i];
        out[3 * i + 1] = converted[1][i];
        out[3 * i + 2] = converted[2][i];
      }
    }
  } else if (bits == 8) {
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        row[3 * x + c] = to_8bit(in[x * x_step + c * channel_step]);
  } else {
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const uint16_t v = in[x * x_step + c * channel_step];
        row[6 * x + 2 * c] = uint8_t(v >> 8);  // PNG is big-endian
        row[6 * x + 2 * c + 1] = uint8_t(v & 0xff);
      }
  }
}

// One horizontal band of the image data, compressed by a worker thread.
struct CompressedBand {
  std::vector<uint8_t> deflate;  // raw deflate, ending byte-aligned (or final for the last band)
  uLong adler = 1;               // Adler-32 of the band's filtered bytes
  size_t length = 0;             // filtered bytes
};

// Rows [y0, y1) as PNG filters them (Up: each row minus the row above, after
// a filter-type byte), Huffman-coded only. Photos are noisy at the byte
// level, so deflate's string matching buys little: on a 12 MP 8-bit night
// photo (Sub filter) zlib's level 3 wrote 12.0 MB in 832-855 ms, level 1
// 13.1 MB in 390 ms, Huffman-only with Up 10.8 MB in 270 ms; on the Canon
// 30D's daylight scene level 1 13.8 MB in 307 ms, Huffman-only 11.9 MB in
// 193 ms. Smaller and faster at once. (Flat synthetic images compress worse
// without string matching; they are not what this tool writes.) The
// Huffman coding is deflate_literals() (io/huffman_deflate.h), several
// times faster than zlib's. A band ends byte-aligned, so the bands
// concatenate into one deflate stream; its codes refer to nothing before
// the band.
void compress_band(const Halide::Runtime::Buffer<uint16_t, 3>& img, int bits, int y0, int y1, bool last,
                   CompressedBand* band) {
  const size_t row_bytes = size_t(img.width()) * 3 * (bits / 8);
  std::vector<uint8_t> above(row_bytes, 0), current(row_bytes);
  if (y0 > 0) pack_row(img, y0 - 1, bits, above.data());
  band->length = (row_bytes + 1) * size_t(y1 - y0);
  std::vector<uint8_t> filtered(band->length);
  for (int y = y0; y < y1; ++y) {
    uint8_t* row = &filtered[(row_bytes + 1) * size_t(y - y0)];
    row[0] = 2;  // Up
    pack_row(img, y, bits, current.data());
    for (size_t i = 0; i < row_bytes; ++i) row[i + 1] = uint8_t(current[i] - above[i]);
    std::swap(above, current);
  }
  band->adler = adler32_z(1, filtered.data(), filtered.size());
  deflate_literals(filtered.data(), filtered.size(), last, &band->deflate);
}

Status write_png_file(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& img, int bits,
                      const PhotoInfo* photo) {
  const int w = img.width(), h = img.height();
  // The image data is compressed in bands by one worker per core, and
  // written as IDAT chunks of one zlib stream through libpng (which writes
  // the signature, the header and colour chunks and every chunk's CRC) as
  // the bands come in, in order. (libpng compresses on one thread: 290 ms at
  // 12 MP. Two bands, written once both were done, left a core idle for the
  // writing and its CRCs: ~25 ms at 12 MP.)
  const int threads = std::max(1, int(std::thread::hardware_concurrency()));
  const int bands = std::clamp(4 * threads, 1, std::max(1, h / 64));
  std::vector<CompressedBand> compressed(static_cast<size_t>(bands));
  std::mutex mutex;
  std::condition_variable band_done;
  std::vector<char> done(size_t(bands), 0);
  std::atomic<int> next_band{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < std::min(threads, bands); ++t)
    workers.emplace_back([&] {
      for (int b; (b = next_band.fetch_add(1)) < bands;) {
        compress_band(img, bits, h * b / bands, h * (b + 1) / bands, b == bands - 1, &compressed[size_t(b)]);
        {
          std::lock_guard<std::mutex> lock(mutex);
          done[size_t(b)] = 1;
        }
        band_done.notify_all();
      }
    });
  // Every return below joins the workers first (a joinable std::thread
  // ends the process when destroyed); a failure stops them taking bands.
  auto stop_workers = [&] {
    next_band = bands;
    for (std::thread& t : workers) t.join();
    workers.clear();
  };
  auto wait_for = [&](int b) {
    std::unique_lock<std::mutex> lock(mutex);
    band_done.wait(lock, [&] { return done[size_t(b)] != 0; });
  };

  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) {
    stop_workers();
    return io_error("cannot create the file");
  }
  // Every object with a destructor is made before the setjmp below: libpng's
  // longjmp skips the destructors of those made after it.
  std::string png_message;
  std::vector<uint8_t> exif = photo ? exif_block(*photo, w, h, /*jpeg=*/false) : std::vector<uint8_t>();
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &png_message, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    stop_workers();
    png_destroy_write_struct(&png, nullptr);
    std::fclose(fp);
    return internal_error("libpng could not start");
  }
  if (setjmp(png_jmpbuf(png))) {
    stop_workers();
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    return io_error("PNG encoding failed: " + png_message + " (disk full?)");
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, uint32_t(w), uint32_t(h), bits, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  if (photo) png_set_eXIf_1(png, info, png_uint_32(exif.size()), exif.data());
  png_write_info(png, info);
  static const png_byte kIdat[5] = "IDAT", kIend[5] = "IEND";
  static const png_byte kZlibHeader[2] = {0x78, 0x01};  // deflate, 32 KB window, fastest
  png_write_chunk(png, kIdat, kZlibHeader, sizeof kZlibHeader);
  for (int b = 0; b < bands; ++b) {
    wait_for(b);
    CompressedBand& band = compressed[size_t(b)];
    png_write_chunk(png, kIdat, band.deflate.data(), band.deflate.size());
    std::vector<uint8_t>().swap(band.deflate);
  }
  stop_workers();
  uLong adler = 1;
  for (const CompressedBand& band : compressed) adler = adler32_combine(adler, band.adler, z_off_t(band.length));
  const png_byte trailer[4] = {png_byte(adler >> 24), png_byte(adler >> 16), png_byte(adler >> 8), png_byte(adler)};
  png_write_chunk(png, kIdat, trailer, sizeof trailer);
  png_write_chunk(png, kIend, nullptr, 0);
  png_destroy_write_struct(&png, &info);
  if (std::fflush(fp) != 0 || std::ferror(fp)) {
    std::fclose(fp);
    return io_error("write failed (disk full?)");
  }
  if (std::fclose(fp) != 0) return io_error("closing the file failed (disk full?)");
  return Status();
}

}  // namespace

Status write_png(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, int bits,
                 const PhotoInfo* photo) {
  if (bits != 8 && bits != 16) return invalid_argument("PNG bit depth must be 8 or 16, not " + std::to_string(bits));
  if (srgb.dimensions() != 3 || srgb.channels() != 3) return invalid_argument(path + ": image must have 3 channels");
  return write_atomically(path, [&](const std::string& tmp) {
    Status s = write_png_file(tmp, srgb, bits, photo);
    return s.ok() ? s : Status(s.code(), path + ": " + s.message());
  });
}

}  // namespace nb
