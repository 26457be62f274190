// The `http` probe's attempt: one request, which holds when the status is
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
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "runtime/net_attempt.hpp"
#include "runtime/probe_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

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

// The URL as written without its scheme, for messages: the probe's kind
// comes first and says it ("http 127.0.0.1:8080/health: status 503").
std::string without_scheme(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (starts_with_nocase(url, scheme)) url.remove_prefix(scheme.size());
  return std::string(url);
}

RE2::Options quiet_options() {
  RE2::Options options;
  options.set_log_errors(false);  // prepare() reports a bad pattern, not stderr
  return options;
}

// Everything the handlers touch: it lives until the last of them has run,
// which may be after the attempt is gone.
struct State {
  State(asio::io_context& io, const config::HttpProbe& spec)
      : url_text(without_scheme(spec.url)),
        status(spec.status),
        stream(io),
        connect(io, stream),
        body(max_body, '\0') {
    if (status.empty()) status.push_back({200, 399});
  }

  std::string url_text;  // as written, without http://, for messages
  Url url;
  std::vector<config::StatusRange> status;
  std::unique_ptr<RE2> body_pattern;   // null: any body
  std::optional<std::string> invalid;  // why no attempt can run
  http::request<http::empty_body> request;

  beast::tcp_stream stream;
  TcpConnect connect;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  std::string body;  // max_body bytes; the first body_size are this response's
  std::size_t body_size = 0;

  ProbeAttempt::Done done;  // the attempt under way's
  Duration timeout{};
  TcpConnect::Deadline deadline;  // every step's, from the connect to the body's end
  bool stopped = false;           // destroyed: no handler may act
};

using StatePtr = std::shared_ptr<State>;

// The last thing a handler does: `done` may destroy the attempt.
void finish(const StatePtr& state, AttemptResult::Outcome outcome, std::string what) {
  state->stream.close();
  const ProbeAttempt::Done done = std::move(state->done);
  state->done = nullptr;
  done({outcome, fmt::format("http {}: {}", state->url_text, what)});
}

void fail(const StatePtr& state, std::string what) {
  finish(state, AttemptResult::Outcome::failed, std::move(what));
}

void fail(const StatePtr& state, const boost::system::error_code& error) {
  fail(state, error_text(error, state->timeout));
}

void hold(const StatePtr& state, int status) {
  finish(state, AttemptResult::Outcome::held, fmt::format("status {}", status));
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
    return hold(state, status);
  fail(state, fmt::format("status {} but the body does not match '{}'", status,
                          state->body_pattern->pattern()));
}

// Reads into the body buffer until the message ends or the buffer is full: a
// longer body is judged on its start, and the rest is never read.
void read_body(const StatePtr& state) {
  if (state->body_size == max_body || state->parser->is_done()) return judge_body(state);
  auto& body = state->parser->get().body();
  body.data = state->body.data() + state->body_size;
  body.size = max_body - state->body_size;
  state->stream.expires_at(state->deadline);
  http::async_read(state->stream, state->buffer, *state->parser,
                   [state](boost::system::error_code error, std::size_t) {
                     if (state->stopped) return;
                     state->body_size = max_body - state->parser->get().body().size;
                     if (error == http::error::need_buffer) error = {};  // the buffer is full
                     if (error) return fail(state, error);
                     read_body(state);
                   });
}

void read_response(const StatePtr& state) {
  state->buffer.clear();
  state->body_size = 0;
  state->parser.emplace();
  state->parser->body_limit(boost::none);  // we stop reading at max_body ourselves
  if (state->request.method() == http::verb::head) state->parser->skip(true);
  state->stream.expires_at(state->deadline);
  http::async_read_header(state->stream, state->buffer, *state->parser,
                          [state](const boost::system::error_code& error, std::size_t) {
                            if (state->stopped) return;
                            if (error) return fail(state, error);
                            const int status = state->parser->get().result_int();
                            if (!status_accepted(*state, status))
                              return fail(state, fmt::format("status {}", status));
                            if (!state->body_pattern) return hold(state, status);
                            read_body(state);
                          });
}

void send_request(const StatePtr& state) {
  state->stream.expires_at(state->deadline);
  http::async_write(state->stream, state->request,
                    [state](const boost::system::error_code& error, std::size_t) {
                      if (state->stopped) return;
                      if (error) return fail(state, error);
                      read_response(state);
                    });
}

class HttpAttempt final : public ProbeAttempt {
 public:
  HttpAttempt(asio::io_context& io, StatePtr state) : io_(io), state_(std::move(state)) {}
  ~HttpAttempt() override {
    state_->stopped = true;
    state_->done = nullptr;
    state_->connect.cancel();
  }
  HttpAttempt(const HttpAttempt&) = delete;
  HttpAttempt& operator=(const HttpAttempt&) = delete;

  // A bad URL or body pattern would fail every attempt.
  std::optional<std::string> invalid() const override { return state_->invalid; }

  void run(Duration timeout, Done done) override {
    state_->done = std::move(done);
    state_->timeout = timeout;
    state_->deadline = std::chrono::steady_clock::now() + timeout;
    if (state_->invalid) {
      asio::post(io_, [state = state_] {
        if (state->stopped) return;
        const Done done = std::move(state->done);
        state->done = nullptr;
        done({AttemptResult::Outcome::failed, *state->invalid});
      });
      return;
    }
    // Every path out of the connect waits on asio first, so nothing reports from here.
    state_->connect.start(state_->url.host, state_->url.port, state_->deadline,
                          [state = state_](const boost::system::error_code& error,
                                           const std::optional<TcpConnect::Endpoint>&) {
                            if (state->stopped) return;
                            if (error) return fail(state, error);
                            send_request(state);
                          });
  }

 private:
  asio::io_context& io_;
  StatePtr state_;
};

}  // namespace

std::unique_ptr<ProbeAttempt> make_http_attempt(const config::HttpProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context) {
  (void)target;
  auto state = std::make_shared<State>(context.io, spec);
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
  return std::make_unique<HttpAttempt>(context.io, std::move(state));
}

std::unique_ptr<Probe> make_http_probe(const config::HttpProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  return make_polled_probe(make_http_attempt(spec, target, context), interval, context,
                           std::move(events));
}

}  // namespace summon::runtime
