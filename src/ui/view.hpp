// Draws the model on a canvas: the title bar, the table of services, the
// output pane, and the status bar (or the help over it all). It fits any
// canvas down to 80x24 and degrades below that without drawing outside.
#pragma once

#include "ui/canvas.hpp"
#include "ui/model.hpp"

namespace summon::ui {

/// Draws one frame; tells the model the output pane's size it drew.
void draw(Model& model, Canvas& canvas, Clock::time_point now);

/// `1.2s`, `3m04s`, `2h05m`, `3d04h`.
std::string short_duration(long long ms);
/// `512B`, `12.3K`, `45.6M`, `1.2G`.
std::string short_size(long long bytes);
/// Which style a state is shown in.
Style style_of(std::string_view state);

}  // namespace summon::ui
