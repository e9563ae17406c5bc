"""Where frames come from: input discovery (`inputs`) and video demuxing and decoding (`decode`)."""
