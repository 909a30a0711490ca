"""Meeting transcripts from recorders (``--source transcripts``): WebVTT, SRT and our JSON form.

:mod:`.captions` reads caption files into speaker turns, :mod:`.meeting` defines the JSON form,
:mod:`.folder` turns a folder of files into rows, and :mod:`.spec` links each transcript to its
people and account by e-mail before it is stored like any document.
"""
