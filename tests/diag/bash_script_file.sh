echo "report for {{ ds }}"
