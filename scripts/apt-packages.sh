# Debian packages Pairframe needs, by purpose (DESIGN.md §9). Sourced by scripts/dev and .ci/run.
# Install with: apt-get install --no-install-recommends <packages>

# Qt widgets without a screen (QT_QPA_PLATFORM=offscreen): OpenGL/EGL stubs, fonts, keyboard maps, GLib, D-Bus.
APT_QT_OFFSCREEN=(libgl1 libegl1 libfontconfig1 fonts-dejavu-core libxkbcommon0 libglib2.0-0 libdbus-1-3)
# QtMultimedia (the ad preview player): PulseAudio client library and XRandR.
APT_QT_MULTIMEDIA=(libpulse0 libxrandr2)
# A real window on an X11 desktop (Qt's xcb platform plugin).
APT_QT_WINDOW=(libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
               libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0)
# The real Secret Service test: a private session bus (dbus-run-session) and gnome-keyring's daemon.
APT_SECRET_SERVICE=(dbus dbus-daemon gnome-keyring)

# A virtual X screen, for the README's screenshots (scripts/screenshot).
APT_SCREENSHOT=(xvfb xauth "${APT_QT_WINDOW[@]}")

# What each command of scripts/dev needs.
APT_FOR_RUN=("${APT_QT_OFFSCREEN[@]}" "${APT_QT_MULTIMEDIA[@]}" "${APT_QT_WINDOW[@]}")
APT_FOR_TEST=("${APT_QT_OFFSCREEN[@]}" "${APT_QT_MULTIMEDIA[@]}" "${APT_SECRET_SERVICE[@]}")

# Team libraries: a PostgreSQL server for the tests (.ci/run starts a throw-away cluster; scripts/test-postgres),
# whose client tools include pg_dump (the backup before a team library's schema is upgraded).
APT_POSTGRES=(postgresql)
