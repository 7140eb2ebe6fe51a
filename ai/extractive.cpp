// The offline provider: an answer composed from the best matching knowledge base sentences, with citations.
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

#include "ai/provider.hpp"

namespace techpulse::ai {

double confidence_from(const storage::Retrieval& r) {
  if (r.passages.empty()) return 0.05;
  double s = r.passages.front().score;
  if (s < kRelevantScore) return 0.1;
  // ts_rank_cd of a good match on the demo articles lies between about 4 and 20.
  double c = s / (s + 4.0);
  return std::min(0.95, std::round(c * 100.0) / 100.0);
}

std::vector<std::string> chunk_text(const std::string& text, size_t size) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(text.size(), pos + size);
    if (end < text.size()) {
      size_t space = text.rfind(' ', end);
      if (space != std::string::npos && space > pos) {
        end = space + 1;
      } else {
        while (end > pos && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // UTF-8 boundary
        if (end == pos) end = std::min(text.size(), pos + size);
      }
    }
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::vector<size_t> cited_passages(const TurnRequest& req) {
  std::vector<size_t> out;
  const auto& ps = req.retrieval.passages;
  if (!req.relevant) return out;
  out.push_back(0);
  for (size_t i = 1; i < ps.size() && out.size() < 3; ++i) {
    if (ps[i].score >= std::max(kRelevantScore, 0.6 * ps[0].score) && !ps[i].sentences.empty()) out.push_back(i);
  }
  return out;
}

std::string compose_extractive(const TurnRequest& req) {
  const auto& ps = req.retrieval.passages;
  if (!req.relevant) {
    return "I could not find anything in our knowledge base that answers this, and I would rather not guess. "
           "A technician can help: reply here with your vehicle's year, make and model and what you notice "
           "(sounds, warning lights, when it happens), and a technician will follow up.";
  }
  const auto& top = ps.front();
  std::string out;
  if (top.vehicle_match && !req.turn.vehicle.empty()) {
    out += fmt::format("For your {}, our article \"{}\" [1] applies.", req.turn.vehicle, top.title);
  } else {
    out += fmt::format("Our knowledge base article \"{}\" [1] covers this.", top.title);
  }
  for (const auto& s : top.sentences) {
    out += ' ';
    out += s;
  }
  auto cited = cited_passages(req);
  for (size_t n = 1; n < cited.size(); ++n) {
    const auto& p = ps[cited[n]];
    out += fmt::format("\n\nAlso relevant, \"{}\" [{}]: {}", p.title, n + 1, p.sentences.front());
  }
  out += "\n\n";
  out += req.confidence < 0.5 ? "I am not sure this matches your situation: if it does not, a technician can take a "
                                "look, just reply here."
                              : "If the problem continues or you are unsure, a technician can check it for you.";
  out += "\n\nSources:";
  for (size_t n = 0; n < cited.size(); ++n) {
    out += fmt::format("{} [{}] {}", n ? ";" : "", n + 1, ps[cited[n]].title);
  }
  return out;
}

namespace {

class Extractive final : public Provider {
 public:
  std::string name() const override { return "extractive"; }

  asio::awaitable<ProviderResult> run(const TurnRequest& req, std::shared_ptr<TurnControl> ctl) override {
    ProviderResult r;
    r.model = "extractive";
    r.text = compose_extractive(req);
    auto ex = co_await asio::this_coro::executor;
    for (auto& piece : chunk_text(r.text, 80)) {
      if (ctl->cancelled) {
        r.code = ProviderResult::cancelled;
        co_return r;
      }
      ctl->emit(std::move(piece));
      // Let the driver publish between pieces, so they stream as separate deltas.
      co_await asio::post(ex, asio::use_awaitable);
    }
    co_return r;
  }
};

}  // namespace

std::unique_ptr<Provider> make_extractive() { return std::make_unique<Extractive>(); }

}  // namespace techpulse::ai
