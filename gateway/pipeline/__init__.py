"""gateway.pipeline"""
