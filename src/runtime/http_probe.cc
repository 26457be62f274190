// The `http` probe: one request per attempt, ready when the status is
// accepted and the body's first 64 KiB match; redirects are not followed.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

// Not probe_kinds.hpp: its `Duration` (config's milliseconds) and backoff.hpp's
// (steady_clock's) clash in one namespace. make_http_probe below matches it.
#include "runtime/backoff.hpp"
#include "runtime/probe.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Each step (a connect, the request, the response) gets this long; on
// loopback they take microseconds unless the server hangs.
constexpr auto step_timeout = std::chrono::seconds(5);
constexpr std::size_t max_body = 64 * 1024;

struct Url {
  std::string host;  // without brackets
  unsigned short port = 80;
  std::string target;       // path and query, at least "/"
  std::string host_header;  // what the Host header says
};

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// The URL's parts, or what is wrong with it.
std::variant<Url, std::string> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!starts_with_nocase(url, scheme)) return std::string("only http:// URLs are supported");
  std::string_view rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  Url parsed;
  parsed.target = std::string(rest.substr(authority_end));
  if (parsed.target.empty() || parsed.target.front() == '?') parsed.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return std::string("user names and passwords are not supported");

  std::string_view port;
  bool bracketed = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("no ']' after the IPv6 address");
    parsed.host = std::string(authority.substr(1, close - 1));
    boost::system::error_code error;
    asio::ip::make_address_v6(parsed.host, error);
    if (error) return fmt::format("'{}' is not an IPv6 address", parsed.host);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::string("text after the ']'");
    if (!after.empty()) port = after.substr(1);
    if (after.size() == 1) return std::string("no port after the ':'");
    bracketed = true;
  } else {
    const std::size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::string("no port after the ':'");
    }
  }
  if (parsed.host.empty()) return std::string("no host");

  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; }))
      return fmt::format("bad port '{}'", port);
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return fmt::format("bad port '{}'", port);
    parsed.port = static_cast<unsigned short>(number);
  }
  parsed.host_header = bracketed ? fmt::format("[{}]", parsed.host) : parsed.host;
  if (parsed.port != 80) parsed.host_header += fmt::format(":{}", parsed.port);
  return parsed;
}

std::string error_text(const boost::system::error_code& error) {
  if (error == beast::error::timeout)
    return fmt::format("no answer within {}s", step_timeout.count());
  std::string text = error.message();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The addresses to try for `host`, or nullopt when it is a name to resolve.
std::optional<std::vector<tcp::endpoint>> literal_endpoints(const std::string& host,
                                                            unsigned short port) {
  // ::1 first, as in the tcp probe: a failure then names 127.0.0.1.
  if (host == "localhost")
    return std::vector<tcp::endpoint>{{asio::ip::address_v6::loopback(), port},
                                      {asio::ip::address_v4::loopback(), port}};
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  return std::vector<tcp::endpoint>{{address, port}};
}

RE2::Options quiet_options() {
  RE2::Options options;
  options.set_log_errors(false);  // a bad pattern is reported as a failure, not on stderr
  return options;
}

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the probe is gone.
struct State {
  State(asio::io_context& io, const config::HttpProbe& spec, ProbeEvents events, Duration interval)
      : io(io),
        events(std::move(events)),
        url_text(spec.url),
        status(spec.status),
        interval(interval),
        resolver(io),
        stream(io),
        retry(io),
        body(max_body, '\0') {
    if (status.empty()) status.push_back({200, 399});
  }

  asio::io_context& io;
  ProbeEvents events;
  std::string url_text;  // as written, for messages
  Url url;
  std::vector<config::StatusRange> status;
  std::unique_ptr<RE2> body_pattern;   // null: any body
  std::optional<std::string> invalid;  // why the probe cannot work at all
  http::request<http::empty_body> request;
  Duration interval;
  Clock::time_point started;

  tcp::resolver resolver;
  beast::tcp_stream stream;
  asio::steady_timer retry;
  std::vector<tcp::endpoint> endpoints;  // this attempt's, tried in order
  std::size_t next = 0;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  std::string body;  // max_body bytes; the first body_size are this response's
  std::size_t body_size = 0;

  std::string last;
  bool stopped = false;  // destroyed or reported: no handler may act
};

using StatePtr = std::shared_ptr<State>;

void stop(State& state) {
  state.stopped = true;
  state.resolver.cancel();
  state.stream.close();
  state.retry.cancel();
}

void attempt(const StatePtr& state);

void retry_later(const StatePtr& state, std::string what) {
  state->last = fmt::format("http {}: {}", state->url_text, what);
  state->stream.close();
  state->retry.expires_after(next_attempt_delay(Clock::now() - state->started, state->interval));
  state->retry.async_wait([state](const boost::system::error_code& error) {
    if (error || state->stopped) return;
    attempt(state);
  });
}

void report_ready(const StatePtr& state, int status) {
  state->last = fmt::format("http {}: status {}", state->url_text, status);
  stop(*state);
  if (state->events.ready) state->events.ready();
}

bool status_accepted(const State& state, int status) {
  return std::any_of(state.status.begin(), state.status.end(), [&](const config::StatusRange& r) {
    return r.low <= status && status <= r.high;
  });
}

void judge_body(const StatePtr& state) {
  const int status = state->parser->get().result_int();
  if (RE2::PartialMatch(std::string_view(state->body.data(), state->body_size),
                        *state->body_pattern))
    return report_ready(state, status);
  retry_later(state, fmt::format("status {} but the body does not match '{}'", status,
                                 state->body_pattern->pattern()));
}

// Reads into the body buffer until the message ends or the buffer is full: a
// longer body is judged on its start, and the rest is never read.
void read_body(const StatePtr& state) {
  if (state->body_size == max_body || state->parser->is_done()) return judge_body(state);
  auto& body = state->parser->get().body();
  body.data = state->body.data() + state->body_size;
  body.size = max_body - state->body_size;
  state->stream.expires_after(step_timeout);
  http::async_read(state->stream, state->buffer, *state->parser,
                   [state](boost::system::error_code error, std::size_t) {
                     if (state->stopped) return;
                     state->body_size = max_body - state->parser->get().body().size;
                     if (error == http::error::need_buffer) error = {};  // the buffer is full
                     if (error) return retry_later(state, error_text(error));
                     read_body(state);
                   });
}

void read_response(const StatePtr& state) {
  state->buffer.clear();
  state->body_size = 0;
  state->parser.emplace();
  state->parser->body_limit(boost::none);  // we stop reading at max_body ourselves
  if (state->request.method() == http::verb::head) state->parser->skip(true);
  state->stream.expires_after(step_timeout);
  http::async_read_header(state->stream, state->buffer, *state->parser,
                          [state](const boost::system::error_code& error, std::size_t) {
                            if (state->stopped) return;
                            if (error) return retry_later(state, error_text(error));
                            const int status = state->parser->get().result_int();
                            if (!status_accepted(*state, status))
                              return retry_later(state, fmt::format("status {}", status));
                            if (!state->body_pattern) return report_ready(state, status);
                            read_body(state);
                          });
}

void send_request(const StatePtr& state) {
  state->stream.expires_after(step_timeout);
  http::async_write(state->stream, state->request,
                    [state](const boost::system::error_code& error, std::size_t) {
                      if (state->stopped) return;
                      if (error) return retry_later(state, error_text(error));
                      read_response(state);
                    });
}

void connect_next(const StatePtr& state, std::string failure) {
  if (state->next == state->endpoints.size()) return retry_later(state, std::move(failure));
  const tcp::endpoint endpoint = state->endpoints[state->next++];
  // A socket that failed to connect stays open in its address family; the
  // next endpoint may be of the other one.
  state->stream.close();
  state->stream.expires_after(step_timeout);
  state->stream.async_connect(endpoint, [state](const boost::system::error_code& error) {
    if (state->stopped) return;
    if (error) return connect_next(state, error_text(error));
    send_request(state);
  });
}

void attempt(const StatePtr& state) {
  state->next = 0;
  if (auto endpoints = literal_endpoints(state->url.host, state->url.port)) {
    state->endpoints = std::move(*endpoints);
    return connect_next(state, {});
  }
  state->resolver.async_resolve(
      state->url.host, std::to_string(state->url.port), tcp::resolver::numeric_service,
      [state](const boost::system::error_code& error, const tcp::resolver::results_type& found) {
        if (state->stopped) return;
        if (error) return retry_later(state, error_text(error));
        state->endpoints.clear();
        for (const auto& entry : found) state->endpoints.push_back(entry.endpoint());
        connect_next(state, {});
      });
}

class HttpRequestProbe final : public Probe {
 public:
  explicit HttpRequestProbe(StatePtr state) : state_(std::move(state)) {}
  ~HttpRequestProbe() override { stop(*state_); }
  HttpRequestProbe(const HttpRequestProbe&) = delete;
  HttpRequestProbe& operator=(const HttpRequestProbe&) = delete;

  void start() override {
    state_->started = Clock::now();
    if (state_->invalid) {
      asio::post(state_->io, [state = state_] {
        if (state->stopped) return;
        stop(*state);
        if (state->events.failed) state->events.failed(*state->invalid);
      });
      return;
    }
    // Every path out of attempt() waits on asio first, so nothing reports from here.
    attempt(state_);
  }

  std::string last_result() const override { return state_->last; }

 private:
  StatePtr state_;
};

}  // namespace

std::unique_ptr<Probe> make_http_probe(const config::HttpProbe& spec, config::Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  (void)target;
  auto state = std::make_shared<State>(context.io, spec, std::move(events), interval);
  auto url = parse_url(spec.url);
  if (auto* why = std::get_if<std::string>(&url)) {
    state->invalid = fmt::format("http: invalid URL '{}': {}", spec.url, *why);
  } else {
    state->url = std::move(std::get<Url>(url));
  }
  if (spec.body) {
    state->body_pattern = std::make_unique<RE2>(*spec.body, quiet_options());
    if (!state->body_pattern->ok() && !state->invalid)
      state->invalid = fmt::format("http: invalid body pattern '{}': {}", *spec.body,
                                   state->body_pattern->error());
  }
  auto& request = state->request;
  request.version(11);
  request.method_string(spec.method);
  request.target(state->url.target);
  request.set(http::field::host, state->url.host_header);
  request.set(http::field::user_agent, "summon");
  // After ours, so a header the user gives (a virtual Host) wins.
  for (const auto& [name, value] : spec.headers) request.set(name, value);
  return std::make_unique<HttpRequestProbe>(std::move(state));
}

}  // namespace summon::runtime
