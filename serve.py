"""The dashboard as served in a deployment and by ./dev run: app.py under Streamlit's ASGI server, with
the route that sets the sign-in cookie HttpOnly (rehabdash.access.cookie), and the warm-up that opens the
default views whenever a new snapshot appears (rehabdash.ui.warmup). `streamlit run serve.py` takes the
same options as `streamlit run app.py`."""
import streamlit as st

from rehabdash.access import cookie
from rehabdash.ui import warmup

app = st.App("app.py", routes=cookie.routes(), lifespan=warmup.lifespan)
