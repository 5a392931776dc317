// Synthetic low-light hand-held RAW bursts with ground truth, made by
// "unprocessing" (Brooks et al., CVPR 2019): clean sRGB -> linear -> camera RGB
// -> illuminant -> Bayer mosaic, per-frame motion, shot and read noise.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

struct SynthOptions {
  int width = 1024;   // sensor pixels, even
  int height = 768;
  int frames = 8;
  int reference = 0;  // the frame whose geometry (and exposure) the ground truth has
  // An exposure bracket: each frame's exposure relative to the scene's
  // (frame k collects exposures[k] times the light, clips at white, and its
  // EXIF exposure time is exposures[k] / 15 s at the same ISO). Empty: all 1.
  // Its size, when given, is the number of frames.
  std::vector<double> exposures;
  uint64_t seed = 1;
  // Noise as in Brooks et al.: variance = shot * x + read for x in [0, 1].
  // Negative: shot is drawn log-uniform in [1e-4, 0.012]; read from
  // log(read) = 2.18 log(shot) + 1.20 + N(0, 0.26).
  double shot_noise = -1;
  double read_noise = -1;
  double scene_mean = 0.04;        // mean linear level of the scene, relative to white (a night scene)
  double motion_sigma_px = 2.0;    // hand-held translation, standard deviation per axis, sensor pixels
  double max_rotation_deg = 0.3;   // hand-held rotation, uniform in +-this
  bool moving_object = false;      // a textured disc crossing the scene
  double object_speed_px = 0;      // per frame, sensor pixels; 0: 3% of the width
  double object_radius = 0.09;     // of the frame's shorter side
  double illuminant_kelvin = 3400; // Planckian light
  // Colour: the camera's colour matrix drifts with the light, as a real
  // sensor's does (its dyes and the light's spectrum), between a
  // calibration under standard light A (2856 K) and one under D65; the
  // metadata carries both (ColorMatrix1/2 with ForwardMatrix1/2, as phone
  // DNGs do), and a light between them gets the matrix interpolated in
  // inverse temperature, as the DNG colour model does. false: one matrix
  // for every light (a D65 calibration).
  bool dual_illuminant = false;
  // DNG BaselineExposure of the frames, stops.
  double baseline_exposure = 0;
  // DNG DefaultCrop: this many pixels (even) cut from each side of the
  // output; 0: none.
  int crop_margin = 0;
  // Lens and anti-aliasing filter blur: Gaussian standard deviation in sensor
  // pixels applied to the scene. Real optics band-limit the image; without
  // it, hard procedural edges alias far more than in any camera.
  double optical_blur_px = 0.7;
  // The scene is drawn at this many times the sensor's resolution and the
  // frames sample it, so it holds detail finer than a sensor pixel (which
  // hand-held super-resolution can recover). 1: the sensor's resolution.
  int scene_oversample = 1;
  // SynthBurst::clean_rgb on a grid this many times the sensor's (1, 1.5,
  // 2, ...: superres_extent() pixels across); 0: not made.
  double truth_scale = 0;
  CfaPattern cfa = CfaPattern::kRGGB;
  int white_level = 16383;         // 14-bit sensor
  int black_level = 512;
  // Each frame's black level, per CFA position, off by a whole number of ADU
  // drawn uniformly in +-this (what camera2's SENSOR_DYNAMIC_BLACK_LEVEL
  // reports on many phones); the frames' samples carry the same offsets.
  int black_level_jitter = 0;
  // Per-channel noise: a gain g per colour (R, G, B) in front of the
  // quantiser, as a channel's own analog gain would be: its shot term g x
  // and its read term g^2 x the frame's; the metadata's NoiseProfile has a
  // pair per channel accordingly.
  std::array<double, 3> channel_noise_gain{1, 1, 1};
  // Lens shading: the frames fall off toward the corners by this many stops
  // in green at the corner farthest from the optical centre (which sits off
  // the frame's centre), red 1.3x and blue 0.85x as far (a phone's colour
  // shading); the metadata carries the correction as camera2's 17x13 lens
  // shading map (as four GainMaps). The falloff is exactly the map's
  // interpolated inverse, as if the map were the lens's calibration; the
  // ground truth is the scene without it. 0: none.
  double vignette_stops = 0;
  // Defective pixels at fixed sensor positions, the same in every frame:
  // single pixels (three in four hot, reading 0.1-0.6 of the range above
  // their signal; one in four dead, reading black), and stuck column
  // segments of 8-24 pixels (0.2 above). SynthBurst::defect_mask marks them.
  int defective_pixels = 0;
  int stuck_columns = 0;
  // Whether each frame's metadata lists them (as a DNG's FixBadPixelsList
  // or camera2's hot-pixel map would), or the burst must reveal them.
  bool list_defects = false;
  // Stars: point lights of the scene (they move with it and the lens spreads
  // them) in its upper third; SynthBurst::stars holds where they are.
  int stars = 0;
  // A picture to use instead of the procedural night scene: sRGB-encoded,
  // 0..1, channels R, G, B, exactly synth_scene_size() (the frames are cut
  // from it with a margin for their motion). Unallocated: the procedural scene.
  Halide::Runtime::Buffer<float, 3> content;
};

// The scene a burst is cut from: the sensor size plus a margin that covers
// the largest hand-held translation and rotation of `options`, times
// options.scene_oversample.
void synth_scene_size(const SynthOptions& options, int* width, int* height);

// Where the content of reference pixel p is found in a frame:
// q = R(rotation) * (p - centre) + centre + (dx, dy), in sensor pixels.
struct FrameMotionTruth {
  double dx_px = 0;
  double dy_px = 0;
  double rotation_deg = 0;
};

struct SynthBurst {
  std::vector<RawFrame> frames;
  int reference = 0;
  Halide::Runtime::Buffer<float, 2> clean_mosaic;   // normalised, noise-free, reference geometry
  Halide::Runtime::Buffer<uint8_t, 2> object_mask;  // 1: object in the reference; 2: object only in other frames; 0: static
  Halide::Runtime::Buffer<uint8_t, 2> defect_mask;  // 1: hot pixel, 2: dead, 3: stuck column (SynthOptions::defective_pixels)
  std::vector<std::pair<int, int>> stars;           // sensor pixels of the reference (SynthOptions::stars)
  Halide::Runtime::Buffer<float, 3> clean_srgb;     // the scene as drawn (sRGB, 0..1), reference geometry
  // The noise-free linear camera RGB (normalised, clipped at 1, before the
  // moving object) on the grid of SynthOptions::truth_scale, reference geometry.
  Halide::Runtime::Buffer<float, 3> clean_rgb;
  std::vector<FrameMotionTruth> motion;
  std::array<float, 3> illuminant_rgb{1, 1, 1};     // camera RGB, G = 1
  NoiseProfile noise;                               // the true noise model
  double center_x = 0, center_y = 0;                // rotation centre, sensor pixels
};

Status make_synthetic_burst(const SynthOptions& options, SynthBurst* burst);

// True displacement, in plane pixels (2 sensor pixels), of the content at
// plane position (px, py) of the reference, for one frame.
void true_plane_displacement(const SynthBurst& burst, int frame, double px, double py,
                             double* dx, double* dy);

// File output (library nightburst_synth_files, which needs the I/O library).
// Writes frame_NN.dng into `directory`, and into `directory`/truth/:
// ground_truth.dng (the clean mosaic), ground_truth.png (the scene) and
// truth.json (motion, illuminant, noise).
Status write_synthetic_burst(const SynthBurst& burst, const SynthOptions& options,
                             const std::string& directory);

// PSNR in dB of `test` against `truth` (both normalised, peak 1 = white),
// over the pixels where `mask` (if given) equals `mask_value`.
double mosaic_psnr(const Halide::Runtime::Buffer<float, 2>& test,
                   const Halide::Runtime::Buffer<float, 2>& truth,
                   const Halide::Runtime::Buffer<uint8_t, 2>* mask = nullptr, int mask_value = 0,
                   int border = 0);

}  // namespace nb
