// Preloaded (`node --import`) into a command whose peak memory is measured: prints it on exit.
process.on('exit', () => process.stderr.write(`\nBENCH_MAX_RSS_KB ${process.resourceUsage().maxRSS}\n`))
