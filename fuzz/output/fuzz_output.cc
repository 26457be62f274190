// Fuzz target: any bytes as a service's output, cut into chunks anywhere, through
// the line splitter and then ANSI stripping, as every line a service writes is.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ansi.hpp"
#include "runtime/line_splitter.hpp"

namespace {

using summon::runtime::LineSplitter;

// The lines of `output` fed in chunks whose sizes come from `cuts` (each byte a
// size of 1 to 256, then repeating); 0 cuts means the whole output at once.
std::vector<std::string> split(std::string_view output, std::string_view cuts) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  const auto keep = [&](std::string_view line) { lines.emplace_back(line); };
  std::size_t next = 0;
  while (!output.empty()) {
    std::size_t size = output.size();
    if (!cuts.empty()) size = static_cast<unsigned char>(cuts[next++ % cuts.size()]) + 1u;
    size = std::min(size, output.size());
    splitter.feed(output.substr(0, size), keep);
    output.remove_prefix(size);
  }
  splitter.finish(keep);
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte says how many of the next bytes are chunk sizes.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const std::size_t cut_count = std::min<std::size_t>(static_cast<unsigned char>(input[0]) % 16,
                                                      input.size() - 1);
  const std::string_view cuts = input.substr(1, cut_count);
  const std::string_view output = input.substr(1 + cut_count);

  // Lines never depend on where the chunks were cut, hold no newline, and fit.
  const auto lines = split(output, cuts);
  if (lines != split(output, {})) std::abort();
  std::size_t bytes = 0;
  for (const auto& line : lines) {
    if (line.size() > LineSplitter::max_line || line.find('\n') != std::string::npos) std::abort();
    bytes += line.size();

    // Stripping only removes: no ESC is left and nothing is added.
    const std::string plain = summon::runtime::strip_ansi(line);
    if (plain.size() > line.size() || plain.find('\x1b') != std::string::npos) std::abort();
  }
  if (bytes > output.size()) std::abort();
  return 0;
}
