// The workbench's charts: each .chart-box draws the ECharts option in the JSON
// script element named after it (<id>-option). A file, not an inline script, so
// that the Content-Security-Policy can allow scripts from this site only.
document.querySelectorAll(".chart-box").forEach(function (box) {
  var option = JSON.parse(document.getElementById(box.id + "-option").textContent);
  // ECharts' default tooltip is HTML with style attributes, which the policy's
  // style-src 'self' refuses; drawn on the canvas ("richText") it needs none.
  [].concat(option.tooltip || []).forEach(function (tooltip) { tooltip.renderMode = "richText"; });
  var chart = echarts.init(box);
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
});
