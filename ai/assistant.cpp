// ai: the assistant worker pool (job claim, retrieval, providers, streaming). It knows nothing of WebSockets and
// reports through an interface the gateway implements. This target is empty until the assistant's own issue
// ("The AI assistant worker pool") lands; the gateway answers `assistant.cancel` with not_found meanwhile.
namespace techpulse::ai {}
