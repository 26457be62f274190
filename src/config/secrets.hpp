// Secret values (SPEC 3.5): which values of a project summon must never
// print, and the one function that hides them in any text it prints.
//
// A value is secret when it is
// - the value of a secret-looking key (looks_secret) in the top-level or a
//   service's `env`, or in an `env_file` dotenv file;
// - the value of a secret-looking variable of summon's own environment (or
//   of the `.env` beside the file) that `${NAME}` put into the file;
// - the value of an http probe header that carries credentials
//   (secret_header);
// - the password of a URL written anywhere in the project.
// Masking replaces each occurrence of such a value, and the password of any
// URL `scheme://user:PASSWORD@host` whatever it is, with `***`.
//
// Values are masked as text only when they have at least min_secret_length
// characters other than white space and are not a yes/no word (true, false,
// yes, no, on, off, null, in any case): `1` or `on` occur everywhere, and
// masking each occurrence would wreck the output while hiding next to
// nothing. A secret-looking key still shows its own value as `***` in
// `summon config`, whatever its length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/project_spec.hpp"

namespace summon::config {

/// What a hidden value is shown as.
inline constexpr std::string_view secret_mask = "***";

/// The fewest characters (not counting white space) a value needs to be
/// masked wherever it occurs.
inline constexpr std::size_t min_secret_length = 3;

/// Whether an env key names a secret: its name contains PASSWORD, SECRET,
/// TOKEN or KEY, in any case.
bool looks_secret(std::string_view name);

/// Whether an HTTP header's value is a secret: its name looks secret, or it
/// is Authorization or Proxy-Authorization (any case).
bool secret_header(std::string_view name);

/// `text` with the password of every URL `scheme://user:PASSWORD@host`
/// replaced by `***`. The host part ends at `/`, `?`, `#`, white space, a
/// quote or `<>`; within it the last `@` ends the password, so a password
/// that holds an `@` is hidden whole.
std::string mask_url_passwords(std::string_view text);

/// The passwords of the URLs in `text`, in order.
std::vector<std::string> url_passwords(std::string_view text);

/// A set of secret values and the means to hide them.
class Secrets {
 public:
  /// No values: mask() hides URL passwords only.
  Secrets() = default;
  /// These values, less those too short or too plain to mask (see above).
  explicit Secrets(const std::vector<std::string>& values);

  /// Every secret value of `project`, which may be a partly loaded one (as
  /// LoadResult keeps it beside its diagnostics).
  static Secrets of(const ProjectSpec& project);

  /// `text` with every occurrence of a secret value (the longest first,
  /// where two overlap) and every URL password replaced by `***`.
  std::string mask(std::string_view text) const;

  /// The values masked, unique, the longest first.
  const std::vector<std::string>& values() const { return values_; }

 private:
  /// The longest value `rest` starts with, if any.
  const std::string* match(std::string_view rest) const;

  std::vector<std::string> values_;
  // Indices into values_ (in its order) by their first min_secret_length
  // bytes: a text is read once, and at each place only the values that
  // start with its next bytes are tried.
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> by_prefix_;
};

}  // namespace summon::config
