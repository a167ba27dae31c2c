"""``glassnet playground``: a page in the browser where a real glassnet network learns.

:class:`~glassnet.playground.session.Session` holds the data, the network and the training;
:mod:`~glassnet.playground.views` turns it into what the page draws;
:mod:`~glassnet.playground.glass` follows one sample through it; :mod:`~glassnet.playground.runs`
saves it as a run folder and loads one back; :mod:`~glassnet.playground.server` serves the
page (``static/``) and streams the frames. Nothing here is imported by ``import glassnet``.
"""
