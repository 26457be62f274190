// The `log` probe: an RE2 pattern searched in each line of the service's
// output, ready once `count` lines have matched.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <re2/re2.h>
#include <boost/asio/post.hpp>

#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// What a posted report needs; it may run after the probe is gone.
struct Shared {
  ProbeEvents events;
  bool stopped = false;
};

RE2::Options quiet_options() {
  RE2::Options options;
  options.set_log_errors(false);  // a bad pattern is reported as a failure, not on stderr
  return options;
}

class LogProbe final : public Probe {
 public:
  LogProbe(const config::LogProbe& spec, ProbeContext& context, ProbeEvents events)
      : io_(context.io),
        pattern_(spec.pattern, quiet_options()),
        stream_(spec.stream),
        count_(std::max(spec.count, 1)),
        shared_(std::make_shared<Shared>(Shared{std::move(events)})) {}

  ~LogProbe() override { shared_->stopped = true; }

  void start() override {
    // The loader checks patterns; this guards a probe built in code.
    if (!pattern_.ok())
      report([why = fmt::format("log: invalid pattern '{}': {}", pattern_.pattern(),
                                pattern_.error())](Shared& shared) { shared.events.failed(why); });
  }

  void line(Stream stream, std::string_view text) override {
    if (reported_ || !pattern_.ok()) return;
    wrote_ = true;
    if (!watches(stream)) {
      // Only to explain a timeout: the line the user sees may be on the other pipe.
      if (!matched_elsewhere_) matched_elsewhere_ = RE2::PartialMatch(text, pattern_);
      return;
    }
    wrote_read_ = true;
    if (!RE2::PartialMatch(text, pattern_)) return;
    if (++seen_ >= count_) report([](Shared& shared) { shared.events.ready(); });
  }

  std::string last_result() const override {
    std::string result = seen_ == 0
                             ? fmt::format("log: no line matching '{}' yet", pattern_.pattern())
                             : fmt::format("log: {} of {} lines matching '{}' seen", seen_, count_,
                                           pattern_.pattern());
    // matched_elsewhere_ and a partial wrote_ only happen when one stream is read.
    const Stream read = stream_ == config::LogStream::stderr_stream ? Stream::err : Stream::out;
    const Stream other = read == Stream::out ? Stream::err : Stream::out;
    if (matched_elsewhere_)
      result += fmt::format("; a matching line came on {}; this probe reads {}", stream_name(other),
                            stream_name(read));
    else if (!wrote_read_)
      result += fmt::format(
          "; it wrote nothing{}; its output may be buffered, e.g. PYTHONUNBUFFERED=1 for Python",
          wrote_ ? fmt::format(" on {}", stream_name(read)) : "");
    return result;
  }

 private:
  bool watches(Stream stream) const {
    switch (stream_) {
      case config::LogStream::stdout_stream:
        return stream == Stream::out;
      case config::LogStream::stderr_stream:
        return stream == Stream::err;
      case config::LogStream::both:
        break;
    }
    return true;
  }

  template <typename Report>
  void report(Report deliver) {
    if (reported_) return;
    reported_ = true;
    boost::asio::post(io_, [shared = shared_, deliver = std::move(deliver)] {
      if (!shared->stopped) deliver(*shared);
    });
  }

  boost::asio::io_context& io_;
  RE2 pattern_;
  config::LogStream stream_;
  int count_;
  int seen_ = 0;
  bool wrote_ = false;              // a line on either stream
  bool wrote_read_ = false;         // a line on a stream this probe reads
  bool matched_elsewhere_ = false;  // a matching line on the stream it does not read
  bool reported_ = false;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::unique_ptr<Probe> make_log_probe(const config::LogProbe& spec, const ProbeTarget& target,
                                      ProbeContext& context, ProbeEvents events) {
  (void)target;
  return std::make_unique<LogProbe>(spec, context, std::move(events));
}

}  // namespace summon::runtime
