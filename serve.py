"""The dashboard as served in a deployment and by ./dev run: app.py under Streamlit's ASGI server, with
the route that sets the sign-in cookie HttpOnly (rehabdash.access.cookie). `streamlit run serve.py`
takes the same options as `streamlit run app.py`."""
import streamlit as st

from rehabdash.access import cookie

app = st.App("app.py", routes=cookie.routes())
