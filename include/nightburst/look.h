// The look of a finished photo: how bright and how contrasty the finishing
// renders the merged scene. Its own header because the finishing stages
// need it and the pipeline's options carry it.
#pragma once

namespace nb {

// The look of the finished photo (see src/stages/tone_look.h for the numbers).
enum class Look {
  kNatural,  // the foundation's rendering: mean green to 0.10, no S-curve
  kBright,   // brighter, mild S-curve
  kNight,    // Night Sight: darker scenes stay darker, S-curve keeps shadows dark
};

}  // namespace nb
