"""gateway.worker"""
