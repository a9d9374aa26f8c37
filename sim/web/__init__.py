"""The web scenario explorer (``grassroots serve``): a local Streamlit app for analysts who do not edit YAML.

One module per job: texts in two languages (``i18n``), levers and presets to a Scenario
(``controls``), running a request into a run folder with a cache (``execute``), showing a run
folder (``results_view``), and the Streamlit script that wires them (``app``). Everything below
the script is plain Python so the tests can call it without a browser.
"""
