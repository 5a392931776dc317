// nightburst_io: raw files in (LibRaw, every format it reads), DNG and PNG out
// (libtiff, libpng), always written atomically. Kept out of the core so the
// core links into an Android app without these libraries.
#pragma once

#include <HalideBuffer.h>

#include <functional>
#include <string>
#include <vector>

#include "nightburst/pipeline.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

// Reads one raw file: the visible Bayer mosaic and its metadata. Non-Bayer
// sensors (X-Trans, Foveon, linear DNG) are refused with a clear error.
Status read_raw_frame(const std::string& path, RawFrame* frame);

// Expands directories into their raw files (by extension, sorted by name);
// files named explicitly are kept in the order given. A path that does not
// exist is an error naming it.
Status expand_burst_paths(const std::vector<std::string>& args, std::vector<std::string>* files);

// Reads the files and hands each frame to `consume`, in the order given, on
// the calling thread, as soon as it and every frame before it are read:
// decoding runs ahead on worker threads (a few frames at most), overlapping
// whatever `consume` does (BurstSession::add_frame aligns and merges).
// Stops at the first error, a file's or `consume`'s, and returns it.
// `decode_ms`, if given, receives the decoding time summed over the files.
// `workers`: decoding threads; 0: one per core.
Status stream_burst(const std::vector<std::string>& files, const std::function<Status(RawFrame&&)>& consume,
                    double* decode_ms = nullptr, int workers = 0);

// What a burst's files become through the C API.
// What a finished photo's EXIF says, taken from the reference frame. The
// orientation is not among it: the pixels are already upright (EXIF
// Orientation 1).
struct PhotoInfo {
  std::string make, model;
  double exposure_s = 0;      // 0: unknown
  double iso = 0;             // 0: unknown
  double f_number = 0;        // 0: unknown
  int64_t capture_time = 0;   // RawMetadata::capture_time; 0: unknown
};
PhotoInfo photo_info(const RawMetadata& meta);

struct FileBurstOutput {
  Halide::Runtime::Buffer<uint16_t, 3> srgb;  // sRGB-encoded 16-bit (x, y, c), orientation applied
  RawFrame merged;       // with_merged: the merged mosaic quantised to its levels, and its metadata
  ProcessReport report;  // the pipeline's report
  PhotoInfo photo;       // the reference frame's camera, exposure and time, for the photo's EXIF
  Diagnostics diagnostics;  // with ProcessOptions::diagnostics
};

// A burst from its files to the finished result: the files decoded in
// parallel and streamed into a BurstSession (decoding overlaps aligning and
// merging), finished.
Status process_files(const std::vector<std::string>& files, const ProcessOptions& options, bool with_merged,
                     FileBurstOutput* out, double* decode_ms = nullptr, int decode_workers = 0);

// Reads every file and checks that the frames agree (size, CFA, camera).
Status load_burst(const std::vector<std::string>& files, std::vector<RawFrame>* frames);

// Whether two paths name one file: the same inode (hard or symbolic links to
// an existing file), or the same path once `..` and symbolic links are resolved.
bool same_file(const std::string& a, const std::string& b);

// Refuses an output that would overwrite an input or is a directory.
Status check_output_path(const std::string& output, const std::vector<std::string>& inputs);

// Refuses an output whose folder is missing, is not a folder, or is not
// writable: the checks every write makes, so a command can make them before
// its work rather than after it.
Status check_output_directory(const std::string& path);

// An output file and the option that names it (for messages).
struct NamedOutput {
  std::string option;
  std::string path;  // empty: not asked for
};
// Refuses two outputs that name one file (see same_file), before any work.
Status check_distinct_outputs(const std::vector<NamedOutput>& outputs);

// Refuses an output whose extension (case-insensitive, e.g. ".png") is not one
// of `extensions` for the `format` it will be written in, listing them.
Status check_output_extension(const std::string& path, const std::string& option,
                              const std::vector<std::string>& extensions, const std::string& format);

// Writes a Bayer mosaic as an uncompressed DNG 1.4 with CFA, levels, colour
// matrix, as-shot neutral, noise profile, exposure and orientation tags.
Status write_dng(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 2>& mosaic,
                 const RawMetadata& meta);

// Quantises a normalised mosaic back to the reference's black/white levels
// (so a value means the same light level as in the reference) and writes it.
Status write_merged_dng(const std::string& path, const Halide::Runtime::Buffer<float, 2>& normalised,
                        const RawMetadata& meta);


// The finished photo's formats, chosen by the output's extension.
enum class PhotoFormat { kPng, kJpeg, kTiff };
// The format an extension names (.png; .jpg, .jpeg; .tif, .tiff; any case),
// or an error naming the path and listing them.
Status photo_format_for(const std::string& path, const std::string& option, PhotoFormat* format);

// Writes an sRGB image (x, y, c) with 3 channels as an 8- or 16-bit PNG with
// the sRGB chunk and, given `info`, an eXIf chunk.
Status write_png(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb,
                 int bits_per_sample, const PhotoInfo* info = nullptr);
// A baseline JPEG (libjpeg-turbo), 8 bits, `quality` 1-100, with EXIF (APP1)
// marking sRGB.
Status write_jpeg(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, int quality,
                  const PhotoInfo& info);
// A 16-bit RGB TIFF (deflate with the horizontal predictor) with its EXIF
// directory marking sRGB.
Status write_tiff(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, const PhotoInfo& info);

// Reads a whole file, refusing one larger than `max_bytes` before reading it.
Status read_binary_file(const std::string& path, size_t max_bytes, std::vector<uint8_t>* bytes);
// Model files are small (the default is 64 KB); anything far larger is not one.
constexpr size_t kMaxAwbModelBytes = 16 << 20;

// Writes text to `path` atomically.
Status write_text_file(const std::string& path, const std::string& text);

}  // namespace nb
