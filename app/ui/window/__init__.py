"""Parts of the main window by job: its actions and menus, status bar, Edit and View commands, campaign commands,
selection, remembered layout and the question asked before quitting while clips are being made."""
