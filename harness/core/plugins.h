// Plugins the profiles do not model (hparams, graphs, custom scalars, PR curves, meshes, audio,
// ...): which plugin a tag belongs to, so that the doctor can say "values of plugin hparams: not
// modelled" instead of leaving them out without a word. A tag's plugin is the one named by the
// metadata of its first value (DESIGN.md section 2); it is read back from that value's record, so
// a run without such tags costs nothing.
#pragma once

#include <cstdint>
#include <string>

namespace tbfault::core {

// The plugin_name of `tag`'s value in the event record whose frame starts at `offset` of `file`;
// "" when the record cannot be read, holds no value of `tag`, or that value has no plugin
// metadata (the "(no plugin)" of a raw tensor). `content` (may be null) receives the plugin's
// metadata content.
std::string PluginOfValue(const std::string& file, uint64_t offset, const std::string& tag,
                          std::string* content = nullptr);

}  // namespace tbfault::core
