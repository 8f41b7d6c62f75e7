"""The web page of cbamcalc (``cbamcalc serve``; ``pip install 'cbamcalc[web]'``).

:func:`cbamcalc.web.app.create_app` builds the Starlette application; every library call runs
through :func:`cbamcalc.web.jobs.run_job` (a child process per request, a private temporary
folder, a time cap), calling the command modules exactly as the CLI does.
"""
