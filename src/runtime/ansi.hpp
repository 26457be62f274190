// Terminal escape sequences in service output.
#pragma once

#include <string>
#include <string_view>

namespace summon::runtime {

/// `line` without its ANSI escape sequences, as the `log` probe matches it:
/// - CSI `ESC [`, parameter and intermediate bytes, a final byte 0x40-0x7E
///   (colours, cursor moves);
/// - OSC `ESC ]` and the other string sequences (`ESC P`, `ESC X`, `ESC ^`,
///   `ESC _`), up to BEL or ST (`ESC \`);
/// - `ESC`, any intermediate bytes 0x20-0x2F, and a final byte 0x30-0x7E
///   (two-byte sequences like `ESC 7`, charset selections like `ESC ( B`).
/// A sequence cut short by the end of the line is removed to the end; one cut
/// short by a byte that cannot belong to it is removed up to that byte, and
/// an ESC that starts nothing is removed alone. Every other byte, including
/// other control bytes and invalid UTF-8, is kept as it is.
std::string strip_ansi(std::string_view line);

}  // namespace summon::runtime
