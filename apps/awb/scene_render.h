// Random scenes for white-balance training and evaluation, rendered from
// spectra to one camera's RGB at thumbnail size: a shaded background and
// patches of measured reflectances, some textured, specular highlights in
// the illuminant's colour, exposure with clipping, shot and read noise.
#pragma once

#include <random>
#include <string>

#include "spectral_data.h"
#include "stages/white_balance.h"

namespace nb::awb {

// A random light: a measured CIE/ISO spectrum, a blackbody 2000..10000 K, CIE
// daylight 4000..25000 K (temperatures uniform in mired), or a mixture of two.
Illuminant random_illuminant(const SpectralData& data, std::mt19937_64& rng);

struct RenderedScene {
  RgbThumbnail thumbnail;
  nb::Illuminant truth;  // the camera's response to the light, G = 1
};

// `second_light`, if given, lights the scene from one side (a random line,
// blended over a random width, at a random brightness against `light`); the
// truth is then the two lights' mean weighted by the green each puts in the scene.
// `snr` > 0: the noise of a burst's white-balance thumbnail at that
// signal-to-noise ratio at the scene's mean, its green (the mean of a quad's
// two greens) with half the variance of red and blue. 0: a ratio drawn
// log-uniformly from 2-300, the same noise in every channel (the scenes the
// evaluations render).
RenderedScene render_scene(const SpectralData& data, const Camera& camera, const Illuminant& light,
                           std::mt19937_64& rng, int width = 128, int height = 96,
                           const Illuminant* second_light = nullptr, double snr = 0);

}  // namespace nb::awb
