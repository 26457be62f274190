// The SVG form: rows of bars on a shared time axis, drawn by hand (it is a
// few rectangles, lines and words; no library is worth it).
#include "timeline/svg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "timeline/critical_path.hpp"
#include "timeline/text.hpp"

namespace summon::timeline {

namespace {

constexpr double width = 960;
constexpr double left = 150;   // service names
constexpr double right = 190;  // the labels after the last bar
constexpr double top = 78;     // the title and the critical path
constexpr double row = 34;
constexpr double bar = 18;
constexpr double legend = 56;  // the axis's numbers and the legend

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double ms(Duration at) {
  return static_cast<double>(at.count()) / 1000.0;
}

// The latest time the picture must show.
double span_ms(const Timeline& timeline) {
  double last = ms(timeline.total);
  for (const auto& s : timeline.services)
    for (const auto& at : {s.spawned, s.started, s.ready, s.completed, s.failed})
      if (at) last = std::max(last, ms(*at));
  return std::max(last, 1.0);
}

// A round step (1, 2 or 5 times a power of ten, in ms) giving at most 8 ticks.
double tick_step(double span) {
  for (double power = 0.001;; power *= 10)
    for (double factor : {1.0, 2.0, 5.0})
      if (span / (factor * power) <= 8) return factor * power;
}

// "0", "250ms", "1.5s": seconds from one on, unless the steps are finer.
std::string tick_text(double at_ms, double step) {
  if (at_ms == 0) return "0";
  if (at_ms >= 1000 && step >= 100) return fmt::format("{:g}s", at_ms / 1000);
  return fmt::format("{:g}ms", at_ms);
}

struct Picture {
  const Timeline& timeline;
  double scale;                     // pixels per ms
  std::vector<std::size_t> order;   // rows, by spawn
  std::vector<std::size_t> row_of;  // service -> row
  std::vector<bool> critical;
  std::vector<std::size_t> path;
  std::string out;

  double x(Duration at) const { return left + ms(at) * scale; }
  double y(std::size_t service) const { return top + static_cast<double>(row_of[service]) * row; }

  void segment(const char* kind, const char* colour, const ServiceTimes& s, Duration from,
               Duration to, double mid) {
    const double x0 = x(from), w = std::max(x(to) - x0, 2.0);  // a blink still shows
    out += fmt::format(
        "<rect class=\"segment {}\" data-service=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{}\" fill=\"{}\"/>\n",
        kind, escaped(s.name), x0, mid - bar / 2, w, bar, colour);
  }

  void service_row(std::size_t k) {
    const auto& s = timeline.services[k];
    const double mid = y(k) + row / 2;
    const bool on_path = critical[k];
    out += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" font-weight=\"{}\" "
        "fill=\"{}\">{}</text>\n",
        left - 12, mid + 4.5, on_path ? "bold" : "normal", on_path ? critical_colour : "#222",
        escaped(s.name));
    if (!s.spawned) return;
    // The wait for its dependencies, from the start to its spawn.
    if (*s.spawned > Duration{})
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#b8b8b8\" "
          "stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>\n",
          left, mid, x(*s.spawned), mid);
    const auto started = s.started.value_or(*s.spawned);
    segment("spawning", spawning_colour, s, *s.spawned, started, mid);
    Duration end = started;
    if (s.ready) {
      segment("booting", booting_colour, s, started, *s.ready, mid);
      end = *s.ready;
      if (s.completed) {
        segment("running", running_colour, s, *s.ready, *s.completed, mid);
        end = *s.completed;
      }
    } else if (s.completed) {
      segment("booting", booting_colour, s, started, *s.completed, mid);
      end = *s.completed;
    } else if (s.failed) {
      segment("failed", failed_colour, s, started, *s.failed, mid);
      end = *s.failed;
    }
    if (on_path)
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"none\" "
          "stroke=\"{}\" stroke-width=\"2.5\" rx=\"2\"/>\n",
          x(*s.spawned) - 1.5, mid - bar / 2 - 1.5, std::max(x(end) - x(*s.spawned), 2.0) + 3,
          bar + 3, critical_colour);
    // What it came to, and how long it took itself.
    const char* what = s.completed ? "completed" : s.ready ? "ready" : s.failed ? "failed" : "";
    std::string label = *what ? fmt::format("{} {}", what, duration_text(end)) : "";
    if (end > *s.spawned) label += fmt::format(" · own {}", duration_text(end - *s.spawned));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#333\">{}</text>\n",
                       std::max(x(end), x(*s.spawned) + 2) + 8, mid + 4.5, escaped(label));
  }

  // From a dependency's ready (or completion) to the spawn it allowed; the
  // critical path's last, over the others.
  void arrows() {
    arrows(false);
    arrows(true);
  }
  void arrows(bool critical_ones) {
    for (std::size_t k = 0; k < timeline.services.size(); ++k) {
      const auto& s = timeline.services[k];
      if (!s.spawned) continue;
      for (const auto& name : s.depends_on) {
        const auto* dependency = timeline.find(name);
        if (!dependency) continue;
        const auto there = there_by(*dependency, *s.spawned);
        if (!there) continue;
        const auto d = static_cast<std::size_t>(dependency - timeline.services.data());
        const bool on_path = critical[k] && critical[d] && chosen(k) == d;
        if (on_path != critical_ones) continue;
        const double x1 = x(*there), y1 = y(d) + row / 2 + (y(d) < y(k) ? bar / 2 : -bar / 2);
        const double x2 = x(*s.spawned), y2 = y(k) + row / 2 + (y(d) < y(k) ? -bar / 2 : bar / 2);
        out += fmt::format(
            "<path class=\"edge\" d=\"M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" "
            "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" marker-end=\"url(#{})\"/>\n",
            x1, y1, x1, (y1 + y2) / 2, x2, (y1 + y2) / 2, x2, y2,
            on_path ? critical_colour : "#9a9a9a", on_path ? 2.2 : 1.2,
            on_path ? "arrow-critical" : "arrow");
      }
    }
  }

  // The next service on the critical path after k, if k is on it.
  std::optional<std::size_t> chosen(std::size_t k) const {
    const auto at = std::ranges::find(path, k);
    if (at == path.end() || at + 1 == path.end()) return std::nullopt;
    return *(at + 1);
  }
};

}  // namespace

std::string svg(const Timeline& timeline) {
  const auto path = critical_path(timeline);
  const auto count = timeline.services.size();
  const double span = span_ms(timeline);
  const double step = tick_step(span);
  const double axis_end = std::ceil(span / step) * step;
  const double height = top + static_cast<double>(std::max<std::size_t>(count, 1)) * row + legend;

  Picture picture{timeline,
                  (width - left - right) / axis_end,
                  {},
                  std::vector<std::size_t>(count),
                  std::vector<bool>(count, false),
                  path,
                  {}};
  for (auto k : path) picture.critical[k] = true;
  picture.order.resize(count);
  std::iota(picture.order.begin(), picture.order.end(), std::size_t{0});
  std::ranges::stable_sort(picture.order, [&](std::size_t a, std::size_t b) {
    return timeline.services[a].spawned.value_or(Duration::max()) <
           timeline.services[b].spawned.value_or(Duration::max());
  });
  for (std::size_t r = 0; r < count; ++r) picture.row_of[picture.order[r]] = r;

  auto& out = picture.out;
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
      "font-size=\"13\">\n",
      width, height);
  out += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", width, height);
  out += fmt::format(
      "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#9a9a9a\"/></marker>"
      "<marker id=\"arrow-critical\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"6\" "
      "markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"{}\"/></marker>"
      "</defs>\n",
      critical_colour);

  // The title: the total, then the critical path as the text form says it.
  std::string title = fmt::format("bring-up: {} service{} {} {}", count, count == 1 ? "" : "s",
                                  timeline.open ? "so far:" : "in", duration_text(timeline.total));
  out += fmt::format(
      "<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"bold\" "
      "fill=\"#111\">{}</text>\n",
      escaped(title));
  const auto lines = text(timeline);
  const auto second = lines.substr(lines.find('\n') + 1);
  out += fmt::format("<text x=\"20\" y=\"50\" fill=\"{}\">{}</text>\n", critical_colour,
                     escaped(second.substr(0, second.find('\n'))));

  // The axis: a grid line and a number per tick.
  const double bottom = top + static_cast<double>(std::max<std::size_t>(count, 1)) * row;
  for (double at = 0; at <= axis_end + step / 2; at += step) {
    const double x = left + at * picture.scale;
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e6e6e6\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#666\" "
        "font-size=\"11\">{4}</text>\n",
        x, top - 6, bottom, bottom + 15, tick_text(at, step));
  }
  for (std::size_t r = 1; r < count; r += 2)
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f6f6f6\" "
        "fill-opacity=\"0.6\"/>\n",
        8, top + static_cast<double>(r) * row, width - 16, row);

  picture.arrows();  // beneath the bars: an edge may cross another row
  for (std::size_t k = 0; k < count; ++k) picture.service_row(k);

  // The legend.
  double x = 20;
  const double y = bottom + 38;
  for (auto [colour, name] :
       {std::pair{spawning_colour, "spawn → started"}, std::pair{booting_colour, "started → ready"},
        std::pair{running_colour, "ready → completed"}, std::pair{failed_colour, "failed"}}) {
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" fill=\"#333\">{}</text>\n",
        x, y - 10, colour, x + 20, y, name);
    x += 40 + 8.0 * static_cast<double>(std::string_view(name).size());
  }
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"12\" fill=\"none\" "
      "stroke=\"{}\" stroke-width=\"2.5\"/><text x=\"{}\" y=\"{}\" "
      "fill=\"#333\">critical path</text>\n",
      x, y - 10, critical_colour, x + 20, y);
  x += 40 + 8.0 * 13;
  out += fmt::format(
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b8b8b8\" "
      "stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/><text x=\"{}\" y=\"{}\" "
      "fill=\"#333\">waiting</text>\n",
      x, y - 4, x + 16, y - 4, x + 22, y);
  out += "</svg>\n";
  return out;
}

}  // namespace summon::timeline
