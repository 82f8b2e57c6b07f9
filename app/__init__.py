"""Zhizao Academy (智造学院): offline smart-factory training."""

__version__ = "0.1.0"
APP_NAME = "zhizao"
