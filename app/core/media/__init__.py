"""FFmpeg (the binary bundled by imageio-ffmpeg): running, probing, combining, exporting."""
