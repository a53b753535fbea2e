"""``caveat report``: velocity and defects over a repository's git history.

git.py reads the history (one ``git log``, one ``git cat-file --batch``); analyse.py gets
each file version's findings once (disk cache, process pool); attribution.py decides which
commits an assistant co-wrote; timeline.py replays the commits into periods and the
findings still open; json (``History.to_json``), html.py and markdown.py render it;
checklist.py says which security-relevant code a pull request's lines reach.
"""
