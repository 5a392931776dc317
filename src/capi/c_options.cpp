// nb_options (the C API's) to ProcessOptions (the pipeline's).
#include "capi/c_options.h"

#include <string>

namespace nb {

Status process_options_from_c(const nb_options* options, ProcessOptions* out) {
  nb_options o;
  nb_options_default(&o);
  if (options) o = *options;
  if (o.look < NB_LOOK_NATURAL || o.look > NB_LOOK_NIGHT)
    return invalid_argument("unknown look " + std::to_string(o.look));
  if (!(o.chroma_denoise >= 0 && o.chroma_denoise <= 1) || !(o.sharpen >= 0 && o.sharpen <= 4))
    return invalid_argument("chroma_denoise must be in [0, 1] and sharpen in [0, 4]");
  if (!(o.superres_scale == 0 || (o.superres_scale >= 1 && o.superres_scale <= 3)))
    return invalid_argument("superres_scale must be 0 (HDR+ merge) or in [1, 3]");
  out->superres_scale = o.superres_scale;
  out->reference = o.reference;
  out->threads = o.threads;
  out->look = Look(o.look);
  out->chroma_denoise = o.chroma_denoise;
  out->sharpen = o.sharpen;
  switch (o.awb) {
    case NB_AWB_LEARNED: out->awb = AwbMethod::kLearned; break;
    case NB_AWB_GRAY_WORLD: out->awb = AwbMethod::kGrayWorld; break;
    case NB_AWB_AS_SHOT: out->awb = AwbMethod::kAsShot; break;
    case NB_AWB_MANUAL:
      out->awb = AwbMethod::kManual;
      for (int c = 0; c < 3; ++c) {
        if (!(o.manual_illuminant[c] > 0 && o.manual_illuminant[c] < 1e6f))
          return invalid_argument("manual_illuminant must be three positive numbers");
        out->manual_illuminant[c] = o.manual_illuminant[c];
      }
      break;
    default: return invalid_argument("unknown white balance method " + std::to_string(o.awb));
  }
  if (o.awb_model) {
    const std::string name = o.awb_model_name ? o.awb_model_name : "awb model";
    NB_RETURN_IF_ERROR(AwbModel::parse(o.awb_model, o.awb_model_size, name, &out->awb_model));
  }
  if (o.progress) {
    const nb_progress_fn progress = o.progress;
    void* const user = o.progress_user;
    out->progress = [progress, user](const std::string& stage) { return progress(stage.c_str(), user) != 0; };
  }
  return Status();
}

}  // namespace nb
