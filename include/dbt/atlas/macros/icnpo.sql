{#- The ICNPO main group of a Frivillighetsregisteret code: subgroups are the group number followed
    by three digits (1100 -> 1, 13100 -> 13); a bare group code (1..14) is its own group. -#}
{% macro icnpo_group(code) -%}
case
    when {{ code }} is null then null
    when length({{ code }}) >= 4 then left({{ code }}, length({{ code }}) - 3)
    else {{ code }}
end
{%- endmacro %}
