// Reads a burst of DNGs with nightburst::io, merges it with
// nightburst::core, writes the photo as a PNG: an installed nightburst used
// from another C++ project. Usage: consumer_cpp OUT.png FRAME.dng...
#include <nightburst/io.h>
#include <nightburst/pipeline.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: consumer_cpp OUT.png FRAME.dng...\n");
    return 2;
  }
  std::vector<nb::RawFrame> frames;
  nb::Status s = nb::load_burst(std::vector<std::string>(argv + 2, argv + argc), &frames);
  nb::ProcessResult result;
  if (s.ok()) s = nb::process_burst(frames, nb::ProcessOptions(), &result);
  if (s.ok()) s = nb::write_png(argv[1], result.srgb, 8);
  if (!s.ok()) {
    std::fprintf(stderr, "consumer_cpp: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("consumer_cpp: nightburst %s, %zu frames, reference %d, %dx%d\n", NIGHTBURST_VERSION, frames.size(),
              result.report.reference, result.srgb.width(), result.srgb.height());
  return 0;
}
