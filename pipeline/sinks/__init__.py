"""Where results go: the log schema (`records`), output paths (`layout`), overlay video and logs
(`writers`), HTML reports (`report`) and the per-video join (`finalize`)."""
